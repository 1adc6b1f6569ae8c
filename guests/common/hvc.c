/* SPDX-License-Identifier: MIT */
/*
 * Hypercall wrappers: SMCCC over HVC #0, ID in x0, arguments in x1..x3,
 * result in x0. x4..x17 are treated as clobbered (SMCCC 1.0 rules).
 */
#include "hvc.h"
#include "sysreg.h"

/* One SMCCC call through `insn` (hvc #0 or smc #0). */
#define SMCCC_CALL(insn, id, a1, a2, a3)                                       \
    ({                                                                         \
        register unsigned long x0 __asm__("x0") = (id);                        \
        register unsigned long x1 __asm__("x1") = (a1);                        \
        register unsigned long x2 __asm__("x2") = (a2);                        \
        register unsigned long x3 __asm__("x3") = (a3);                        \
                                                                               \
        __asm__ __volatile__(insn                                              \
                             : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)          \
                             :                                                 \
                             : "x4", "x5", "x6", "x7", "x8", "x9", "x10",      \
                               "x11", "x12", "x13", "x14", "x15", "x16",       \
                               "x17", "memory");                               \
        (long)x0;                                                              \
    })

long hvc_call(unsigned long id, unsigned long a1, unsigned long a2,
              unsigned long a3)
{
    return SMCCC_CALL("hvc #0", id, a1, a2, a3);
}

long smc_call(unsigned long id, unsigned long a1, unsigned long a2,
              unsigned long a3)
{
    return SMCCC_CALL("smc #0", id, a1, a2, a3);
}

long hvc_console_write(const char *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        size_t chunk = len - done;
        long ret;

        if (chunk > SHOJI_HVC_CONSOLE_MAX) {
            chunk = SHOJI_HVC_CONSOLE_MAX;
        }
        ret = hvc_call(SHOJI_HVC_CONSOLE_WRITE, (unsigned long)(buf + done),
                       chunk, 0);
        if (ret < 0) {
            return ret;
        }
        if (ret == 0) {
            break;
        }
        done += (size_t)ret;
    }
    return (long)done;
}

long hvc_yield(void)
{
    return hvc_call(SHOJI_HVC_YIELD, 0, 0, 0);
}

long hvc_vm_id(void)
{
    return hvc_call(SHOJI_HVC_VM_ID, 0, 0, 0);
}

_Noreturn void hvc_shutdown(long code)
{
    hvc_call(SHOJI_HVC_SHUTDOWN, (unsigned long)code, 0, 0);
    for (;;) {
        irq_disable();
        wfi();
    }
}
