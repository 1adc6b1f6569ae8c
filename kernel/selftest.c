/* SPDX-License-Identifier: MIT */
/*
 * Boot-time self-tests chosen on the host command line (selftest=NAME).
 * They exist so that tests can prove paths that must never run in normal
 * operation, such as the EL2 panic dump and the W^X mapping of the image,
 * really work.
 */
#include <hv/host_dt.h>
#include <hv/printk.h>
#include <hv/selftest.h>
#include <string.h>

/* An address outside Shoji's EL2 address space (39-bit VA). */
#define SELFTEST_BAD_VA 0x0000ff0000000000UL

/* A "ret" instruction (0xd65f03c0) placed in writable data. */
static uint32_t selftest_data_code[4] = {0xd65f03c0U};

void selftest_run(const struct host_info *info)
{
    char name[24];

    if (!host_dt_bootarg(info, "selftest", name, sizeof(name))) {
        return;
    }
    pr_info("selftest: %s", name);
    if (strcmp(name, "el2-fault") == 0) {
        volatile uint64_t *bad = (volatile uint64_t *)SELFTEST_BAD_VA;

        *bad = 0x5105e1f;
        panic("selftest: the EL2 fault was not taken");
    }
    if (strcmp(name, "text-write") == 0) {
        /* W^X: text is mapped read-only. */
        *(volatile uint32_t *)(uintptr_t)selftest_run = 0;
        panic("selftest: wrote to Shoji's text");
    }
    if (strcmp(name, "data-exec") == 0) {
        /* W^X: writable data is execute-never. */
        void (*fn)(void) = (void (*)(void))(uintptr_t)selftest_data_code;

        __asm__ volatile("dsb ish; isb" ::: "memory");
        fn();
        panic("selftest: executed Shoji's data");
    }
    pr_err("selftest: unknown test \"%s\"", name);
}
