/* SPDX-License-Identifier: MIT */
/*
 * System register access and the EL2 control bits Shoji programs.
 */
#pragma once

#include <stdint.h>

#define SYSREG_READ(name)                                                      \
    ({                                                                         \
        uint64_t r__;                                                          \
        __asm__ volatile("mrs %0, " #name : "=r"(r__));                        \
        r__;                                                                   \
    })

#define SYSREG_WRITE(name, val)                                                \
    do {                                                                       \
        uint64_t v__ = (uint64_t)(val);                                        \
        __asm__ volatile("msr " #name ", %0" ::"r"(v__) : "memory");           \
    } while (0)

/* GICv3 CPU-interface registers by encoding (older assemblers). */
#define ICC_SRE_EL2 S3_4_C12_C9_5
#define ICC_SRE_EL1 S3_0_C12_C12_5
#define ICC_PMR_EL1 S3_0_C4_C6_0
#define ICC_IAR1_EL1 S3_0_C12_C12_0
#define ICC_EOIR1_EL1 S3_0_C12_C12_1
#define ICC_DIR_EL1 S3_0_C12_C11_1
#define ICC_CTLR_EL1 S3_0_C12_C12_4
#define ICC_IGRPEN1_EL1 S3_0_C12_C12_7
#define ICC_SGI1R_EL1 S3_0_C12_C11_5
#define ICH_HCR_EL2 S3_4_C12_C11_0
#define ICH_VTR_EL2 S3_4_C12_C11_1
#define ICH_MISR_EL2 S3_4_C12_C11_2
#define ICH_ELRSR_EL2 S3_4_C12_C11_5
#define ICH_VMCR_EL2 S3_4_C12_C11_7
#define ICH_AP0R0_EL2 S3_4_C12_C8_0
#define ICH_AP1R0_EL2 S3_4_C12_C9_0

#define ISR_EL1_I (1UL << 7) /* an IRQ is signalled to this CPU */

static inline void isb(void)
{
    __asm__ volatile("isb" ::: "memory");
}

static inline void dsb_sy(void)
{
    __asm__ volatile("dsb sy" ::: "memory");
}

static inline void dsb_ish(void)
{
    __asm__ volatile("dsb ish" ::: "memory");
}

static inline void wfi(void)
{
    __asm__ volatile("wfi" ::: "memory");
}

/* HCR_EL2 bits. */
#define HCR_VM (1UL << 0)
#define HCR_SWIO (1UL << 1)
#define HCR_FMO (1UL << 3)
#define HCR_IMO (1UL << 4)
#define HCR_AMO (1UL << 5)
#define HCR_FB (1UL << 9)
#define HCR_BSU_IS (1UL << 10)
#define HCR_TWI (1UL << 13)
#define HCR_TID3 (1UL << 18)
#define HCR_TSC (1UL << 19)
#define HCR_TIDCP (1UL << 20)
#define HCR_TACR (1UL << 21)
#define HCR_TSW (1UL << 22)
#define HCR_RW (1UL << 31)

/* SCTLR_EL2 bits. */
#define SCTLR_M (1UL << 0)
#define SCTLR_A (1UL << 1)
#define SCTLR_C (1UL << 2)
#define SCTLR_SA (1UL << 3)
#define SCTLR_I (1UL << 12)
#define SCTLR_WXN (1UL << 19)
#define SCTLR_EL2_RES1                                                         \
    ((3UL << 28) | (3UL << 22) | (1UL << 18) | (1UL << 16) | (1UL << 11) |     \
     (3UL << 4))

/* SPSR / PSTATE. */
#define PSR_MODE_MASK 0xfUL
#define PSR_MODE_EL0T 0x0UL
#define PSR_MODE_EL1T 0x4UL
#define PSR_MODE_EL1H 0x5UL
#define PSR_MODE_EL2H 0x9UL
#define PSR_AARCH32 (1UL << 4)
#define PSR_F (1UL << 6)
#define PSR_I (1UL << 7)
#define PSR_A (1UL << 8)
#define PSR_D (1UL << 9)
#define PSR_DAIF (PSR_D | PSR_A | PSR_I | PSR_F)

/* CNTHCTL_EL2 (non-VHE layout). */
#define CNTHCTL_EL1PCTEN (1UL << 0)
#define CNTHCTL_EL1PCEN (1UL << 1)

/* Generic timer control. */
#define CNT_CTL_ENABLE (1UL << 0)
#define CNT_CTL_IMASK (1UL << 1)
#define CNT_CTL_ISTATUS (1UL << 2)

/* CPTR_EL2 (non-VHE): RES1 bits and the FP/SIMD trap. */
#define CPTR_EL2_RES1 ((1UL << 13) | (1UL << 12) | 0xffUL | (1UL << 9))
#define CPTR_EL2_TFP (1UL << 10)
