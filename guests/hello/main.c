/* SPDX-License-Identifier: MIT */
/*
 * hello: the smallest useful Shoji guest. Greets with its VM id, writes a
 * line through CONSOLE_WRITE, checks that an unknown hypercall returns -1,
 * then prints ten numbered lines with 20 ms virtual-timer sleeps between
 * them (WFI + timer injection), checking each sleep lasted long enough.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dtb.h"
#include "hvc.h"
#include "runtime.h"
#include "test.h"
#include "timer.h"

#define HELLO_LINES 10
#define HELLO_SLEEP_US 20000U
#define HELLO_UNKNOWN_HVC SHOJI_HVC_ID(0xff)
#define HELLO_VM_ID_MAX 64
#define HELLO_SMCCC_VERSION 0x80000000UL
#define HELLO_PSCI_VERSION 0x84000000UL
#define HELLO_VERSION_1_1 0x10001L

static bool hello_check_dtb(void *dtb)
{
    uint64_t base = 0;
    uint64_t size = 0;
    const char *bootargs;

    if (!dtb_valid(dtb) || dtb_memory(dtb, &base, &size) != 0) {
        printf("hello: no valid device tree at %p\n", dtb);
        return false;
    }
    bootargs = dtb_bootargs(dtb);
    printf("hello: ram 0x%lx + 0x%lx, bootargs \"%s\"\n", (unsigned long)base,
           (unsigned long)size, bootargs != NULL ? bootargs : "");
    return base == 0x40000000ULL && size != 0 && (size & 0x1fffff) == 0 &&
           (uintptr_t)dtb > base && (uintptr_t)dtb < base + size;
}

static bool hello_console_write(long id)
{
    char line[64];
    int len = snprintf(line, sizeof(line),
                       "hello from vm %ld via CONSOLE_WRITE\n", id);
    long ret = hvc_console_write(line, (size_t)len);

    return ret == len;
}

static bool hello_timer_lines(void)
{
    uint64_t need = timer_us_to_ticks(HELLO_SLEEP_US);
    uint64_t shortest = UINT64_MAX;
    bool ok = true;

    for (int i = 1; i <= HELLO_LINES; i++) {
        uint64_t start;
        uint64_t took;

        printf("hello %d\n", i);
        start = timer_now();
        timer_sleep_us(HELLO_SLEEP_US);
        took = timer_now() - start;
        if (took < shortest) {
            shortest = took;
        }
        if (took < need) {
            printf("hello: sleep %d took %lu ticks < %lu\n", i,
                   (unsigned long)took, (unsigned long)need);
            ok = false;
        }
    }
    printf("hello: shortest %u us sleep took %lu us (freq %lu Hz)\n",
           HELLO_SLEEP_US, (unsigned long)timer_ticks_to_us(shortest),
           (unsigned long)timer_freq());
    return ok;
}

int main(void *dtb)
{
    long id;
    long unknown;

    test_begin("hello");
    printf("hello: starting\n");
    id = hvc_vm_id();
    printf("hello: Hello from Shoji VM %ld!\n", id);
    test_report("vm_id", id >= 0 && id < HELLO_VM_ID_MAX);
    test_report("device_tree", hello_check_dtb(dtb));
    test_report("console_write", hello_console_write(id));
    unknown = hvc_call(HELLO_UNKNOWN_HVC, 1, 2, 3);
    test_report("unknown_hvc", unknown == SMCCC_RET_NOT_SUPPORTED);
    test_report("smccc_version",
                hvc_call(HELLO_SMCCC_VERSION, 0, 0, 0) == HELLO_VERSION_1_1);
    test_report("psci_version_hvc",
                hvc_call(HELLO_PSCI_VERSION, 0, 0, 0) == HELLO_VERSION_1_1);
    test_report("psci_version_smc",
                smc_call(HELLO_PSCI_VERSION, 0, 0, 0) == HELLO_VERSION_1_1);
    test_report("timer_freq", timer_freq() != 0);
    test_report("timer_sleep", hello_timer_lines());
    test_report("yield", hvc_yield() == 0);
    return test_summary() == 0 ? 0 : 1;
}
