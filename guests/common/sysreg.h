/* SPDX-License-Identifier: MIT */
/*
 * System register and barrier helpers for the guest runtime.
 */
#pragma once

#include <stdint.h>

/* GICv3 CPU interface registers, by encoding (any assembler accepts). */
#define ICC_PMR_EL1 "S3_0_C4_C6_0"
#define ICC_IAR1_EL1 "S3_0_C12_C12_0"
#define ICC_EOIR1_EL1 "S3_0_C12_C12_1"
#define ICC_SRE_EL1 "S3_0_C12_C12_5"
#define ICC_IGRPEN1_EL1 "S3_0_C12_C12_7"

#define SYSREG_READ(reg)                                                       \
    ({                                                                         \
        uint64_t sysreg_val_;                                                  \
        __asm__ __volatile__("mrs %0, " reg : "=r"(sysreg_val_));              \
        sysreg_val_;                                                           \
    })

/* clang-format off */
#define SYSREG_WRITE(reg, val)                                                 \
    __asm__ __volatile__("msr " reg ", %0" : : "r"((uint64_t)(val)) : "memory")
/* clang-format on */

static inline void isb(void)
{
    __asm__ __volatile__("isb" : : : "memory");
}

static inline void irq_enable(void)
{
    __asm__ __volatile__("msr daifclr, #2" : : : "memory");
}

static inline void irq_disable(void)
{
    __asm__ __volatile__("msr daifset, #2" : : : "memory");
}

static inline void wfi(void)
{
    __asm__ __volatile__("wfi" : : : "memory");
}
