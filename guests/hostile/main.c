/* SPDX-License-Identifier: MIT */
/*
 * hostile: a guest that tries to escape its stage-2 sandbox. It loads from
 * and stores to every 2 MiB step of IPA space above its RAM up to 0x80000000
 * and to the QEMU virt devices it was not given (flash, GIC ITS, other
 * vCPUs' redistributors, RTC, fw_cfg,
 * virtio-mmio, high memory), and branches outside its RAM. Each access must
 * fault exactly once with FAR == the address, and loads must return no
 * data. It also calls the hypervisor with bad arguments: console buffers
 * outside or straddling the end of its RAM, absurd lengths, unknown
 * function IDs in every SMCCC owner range. Then it checks its own RAM
 * still works.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dtb.h"
#include "exceptions.h"
#include "hvc.h"
#include "probe.h"
#include "runtime.h"
#include "test.h"

#define HOSTILE_STEP 0x200000ULL
#define HOSTILE_RAM_BASE 0x40000000ULL
#define HOSTILE_SWEEP_END 0x80000000ULL
#define HOSTILE_SENTINEL 0x5ea7ed0d15ea5e5aULL
#define HOSTILE_PATTERN 0xbadc0ffee0ddf00dULL
#define HOSTILE_RAM_TEST_MAX 0x400000ULL
#define HOSTILE_DTB_GUARD 0x10000ULL

enum probe_kind {
    PROBE_NONE,
    PROBE_LOAD,
    PROBE_STORE,
    PROBE_EXEC,
};

struct hostile_region {
    const char *name;
    uint64_t start;
    uint64_t end; /* exclusive; start + 1 for a single address */
    bool exec;    /* also branch there */
};

/* Fault bookkeeping, written by the abort hook. */
static volatile enum probe_kind hostile_armed;
static volatile unsigned int hostile_faults;
static volatile uint64_t hostile_far;
static volatile uint64_t hostile_esr;

/* Totals over all regions. */
static unsigned int hostile_tried;
static unsigned int hostile_faulted;
static unsigned int hostile_wnr_bad;

static uint64_t hostile_ram_buf[0x8000];

extern char __guest_end[];

static enum exc_action hostile_abort(struct exc_frame *frame, uint64_t esr,
                                     uint64_t far)
{
    enum probe_kind armed = hostile_armed;

    if (armed == PROBE_NONE) {
        return EXC_UNHANDLED;
    }
    hostile_faults++;
    hostile_far = far;
    hostile_esr = esr;
    if (armed == PROBE_EXEC) {
        /* Back to probe_exec, right after its BLR. */
        frame->elr = frame->x[30];
        return EXC_RETURN;
    }
    return EXC_SKIP;
}

/* One access of the given kind at addr; true if it faulted as required. */
static bool hostile_probe(uint64_t addr, enum probe_kind kind)
{
    uint64_t val = HOSTILE_SENTINEL;
    unsigned int want_ec;
    bool ok;

    hostile_faults = 0;
    hostile_far = 0;
    hostile_esr = 0;
    hostile_armed = kind;
    __asm__ __volatile__("" : : : "memory");
    switch (kind) {
    case PROBE_LOAD:
        val = probe_load(addr, HOSTILE_SENTINEL);
        break;
    case PROBE_STORE:
        probe_store(addr, HOSTILE_PATTERN);
        break;
    default:
        probe_exec(addr);
        break;
    }
    __asm__ __volatile__("" : : : "memory");
    hostile_armed = PROBE_NONE;

    want_ec = kind == PROBE_EXEC ? ESR_EC_IABT_CUR : ESR_EC_DABT_CUR;
    ok = hostile_faults == 1 && hostile_far == addr &&
         ESR_EC(hostile_esr) == want_ec && val == HOSTILE_SENTINEL;
    if (ok && kind != PROBE_EXEC &&
        ((hostile_esr & ESR_WNR) != 0) != (kind == PROBE_STORE)) {
        hostile_wnr_bad++;
    }
    hostile_tried++;
    if (ok) {
        hostile_faulted++;
    } else {
        static const char *const kind_names[] = {"none", "load", "store",
                                                 "exec"};

        printf("hostile: %s 0x%lx NOT contained: faults %u far 0x%lx "
               "esr 0x%lx value 0x%lx\n",
               kind_names[kind], (unsigned long)addr, hostile_faults,
               (unsigned long)hostile_far, (unsigned long)hostile_esr,
               (unsigned long)val);
    }
    return ok;
}

static bool hostile_region_run(const struct hostile_region *r)
{
    unsigned int tried = 0;
    unsigned int faulted = 0;

    for (uint64_t a = r->start; a < r->end; a += HOSTILE_STEP) {
        faulted += hostile_probe(a, PROBE_LOAD);
        faulted += hostile_probe(a, PROBE_STORE);
        tried += 2;
    }
    if (r->exec) {
        faulted += hostile_probe(r->start, PROBE_EXEC);
        tried++;
    }
    printf("hostile: region %-12s [0x%09lx, 0x%09lx) %u/%u faulted\n", r->name,
           (unsigned long)r->start, (unsigned long)r->end, faulted, tried);
    return faulted == tried;
}

/* Write/read-back pattern over [start, end), 8-byte aligned. */
static bool hostile_ram_check(uint64_t *start, uint64_t *end)
{
    for (uint64_t *p = start; p < end; p++) {
        *(volatile uint64_t *)p = (uint64_t)(uintptr_t)p ^ HOSTILE_PATTERN;
    }
    for (uint64_t *p = start; p < end; p++) {
        if (*(volatile uint64_t *)p !=
            ((uint64_t)(uintptr_t)p ^ HOSTILE_PATTERN)) {
            printf("hostile: RAM mismatch at %p\n", (void *)p);
            return false;
        }
    }
    return true;
}

static bool hostile_ram_works(void *dtb)
{
    size_t n = sizeof(hostile_ram_buf) / sizeof(hostile_ram_buf[0]);
    uint64_t lo = ((uint64_t)(uintptr_t)__guest_end + 0xfff) & ~0xfffULL;
    uint64_t hi = ((uint64_t)(uintptr_t)dtb - HOSTILE_DTB_GUARD) & ~0xfffULL;
    bool ok = hostile_ram_check(hostile_ram_buf, hostile_ram_buf + n);

    if (hi > lo + HOSTILE_RAM_TEST_MAX) {
        hi = lo + HOSTILE_RAM_TEST_MAX;
    }
    if (hi > lo) {
        ok = hostile_ram_check((uint64_t *)(uintptr_t)lo,
                               (uint64_t *)(uintptr_t)hi) &&
             ok;
    }
    printf("hostile: own RAM check (%lu bytes + [0x%lx, 0x%lx)) %s\n",
           (unsigned long)sizeof(hostile_ram_buf), (unsigned long)lo,
           (unsigned long)(hi > lo ? hi : lo), ok ? "ok" : "BROKEN");
    return ok;
}

/*
 * Bad hypercall arguments must be refused with an error code and change
 * nothing; Shoji must never read outside the caller's RAM for them.
 */
static bool hostile_bad_hypercalls(uint64_t ram_end)
{
    static const char msg[] = "hostile: console write at the end of RAM\n";
    static const unsigned long owners[] = {0x00, 0x01, 0x02, 0x03, 0x04,
                                           0x05, 0x06, 0x30, 0x31, 0x3f};
    char *tail = (char *)(uintptr_t)(ram_end - HOSTILE_DTB_GUARD);
    bool ok = true;
    long r;

    /* Entirely outside RAM: below it, at a device, just above it. */
    r = hvc_call(SHOJI_HVC_CONSOLE_WRITE, HOSTILE_RAM_BASE - 0x1000, 16, 0);
    ok = ok && r == SMCCC_RET_INVALID_PARAMETER;
    r = hvc_call(SHOJI_HVC_CONSOLE_WRITE, 0x09000000UL, 16, 0);
    ok = ok && r == SMCCC_RET_INVALID_PARAMETER;
    r = hvc_call(SHOJI_HVC_CONSOLE_WRITE, ram_end, 1, 0);
    ok = ok && r == SMCCC_RET_INVALID_PARAMETER;
    /* Straddling the end of RAM by one byte. */
    r = hvc_call(SHOJI_HVC_CONSOLE_WRITE, ram_end - 8, 9, 0);
    ok = ok && r == SMCCC_RET_INVALID_PARAMETER;
    /* Address + length wrapping around 2^64. */
    r = hvc_call(SHOJI_HVC_CONSOLE_WRITE, ~0UL - 3, 16, 0);
    ok = ok && r == SMCCC_RET_INVALID_PARAMETER;
    /* A huge length is clamped to what one call writes. */
    for (size_t i = 0; i < sizeof(msg) - 1; i++) {
        tail[i] = msg[i];
    }
    r = hvc_call(SHOJI_HVC_CONSOLE_WRITE, (unsigned long)tail, sizeof(msg) - 1,
                 0);
    ok = ok && r == (long)sizeof(msg) - 1;
    for (size_t i = 0; i < SHOJI_HVC_CONSOLE_MAX; i++) {
        tail[i] = i + 1 < SHOJI_HVC_CONSOLE_MAX ? '=' : '\n';
    }
    r = hvc_call(SHOJI_HVC_CONSOLE_WRITE, (unsigned long)tail, ~0UL, 0);
    ok = ok && r == SHOJI_HVC_CONSOLE_MAX;
    /* Unknown IDs in every owner range, fast and yielding, 32 and 64. */
    for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]); i++) {
        unsigned long id = (owners[i] << 24) | 0xbeefUL;

        ok = ok && hvc_call(id | 0x80000000UL, ~0UL, ~0UL, ~0UL) ==
                       SMCCC_RET_NOT_SUPPORTED;
        ok = ok &&
             hvc_call(id | 0xc0000000UL, 0, 0, 0) == SMCCC_RET_NOT_SUPPORTED;
        ok = ok && hvc_call(id, 0, 0, 0) == SMCCC_RET_NOT_SUPPORTED;
    }
    return ok;
}

int main(void *dtb)
{
    uint64_t ram_base = 0;
    uint64_t ram_size = 0;
    uint64_t ram_end;
    bool have_mem;
    bool all = true;

    test_begin("hostile");
    have_mem = dtb_memory(dtb, &ram_base, &ram_size) == 0 &&
               ram_base == HOSTILE_RAM_BASE && ram_size != 0 &&
               ram_size < HOSTILE_SWEEP_END - HOSTILE_RAM_BASE;
    test_report("dtb_memory", have_mem);
    if (!have_mem) {
        printf("hostile: no usable /memory in the device tree at %p\n", dtb);
        return test_summary() == 0 ? 0 : 1;
    }
    ram_end = ram_base + ram_size;
    printf("hostile: ram [0x%lx, 0x%lx), probing outside it\n",
           (unsigned long)ram_base, (unsigned long)ram_end);

    const struct hostile_region regions[] = {
        {"above-ram", ram_end, HOSTILE_SWEEP_END, true},
        {"flash", 0x0, 0x1, true},
        /* Its GICD and its own redistributor are emulated; the ITS window
         * and the redistributor frame after its own are not. */
        {"gic-its", 0x08080000, 0x08080001, false},
        {"gic-redist-next", 0x080c0000, 0x080c0001, false},
        {"rtc", 0x09010000, 0x09010001, false},
        {"fw_cfg", 0x09020000, 0x09020001, false},
        {"virtio-mmio", 0x0a000000, 0x0a000001, false},
        {"ram-top", 0x80000000, 0x80000001, false},
        {"high", 0xffff0000000ULL, 0xffff0000001ULL, false},
    };
    char name[32];

    exc_set_abort_hook(hostile_abort);
    for (size_t i = 0; i < sizeof(regions) / sizeof(regions[0]); i++) {
        bool ok = hostile_region_run(&regions[i]);

        snprintf(name, sizeof(name), "contain_%s", regions[i].name);
        test_report(name, ok);
        all = all && ok;
    }
    exc_set_abort_hook(NULL);

    printf("hostile: %u/%u accesses faulted\n", hostile_faulted, hostile_tried);
    if (hostile_wnr_bad != 0) {
        printf("hostile: note: %u data aborts had a wrong ESR.WnR bit\n",
               hostile_wnr_bad);
    }
    test_report("all_contained", all && hostile_faulted == hostile_tried);
    test_report("bad_hypercalls", hostile_bad_hypercalls(ram_end));
    test_report("own_ram", hostile_ram_works(dtb));
    return test_summary() == 0 ? 0 : 1;
}
