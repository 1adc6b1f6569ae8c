/* SPDX-License-Identifier: MIT */
/*
 * Guest register context saved by the EL2 exception entry (entry.S) and
 * restored before ERET. The offsets are shared with assembly, so they are
 * plain numbers here, checked against the C layout with static asserts.
 */
#pragma once

#define REGS_X(n) ((n)*8)
#define REGS_PC 248     /* ELR_EL2: where the guest resumes */
#define REGS_PSTATE 256 /* SPSR_EL2: the guest's PSTATE */
#define REGS_FPSR 264
#define REGS_FPCR 268
#define REGS_VREGS 272 /* q0..q31, 16 bytes each, 16-byte aligned */
#define REGS_SIZE (REGS_VREGS + 32 * 16)

#ifndef __ASSEMBLY__
#include <stddef.h>
#include <stdint.h>

struct arch_regs {
    uint64_t x[31];
    uint64_t pc;
    uint64_t pstate;
    uint32_t fpsr;
    uint32_t fpcr;
    __uint128_t v[32];
};

_Static_assert(offsetof(struct arch_regs, pc) == REGS_PC, "regs layout");
_Static_assert(offsetof(struct arch_regs, pstate) == REGS_PSTATE,
               "regs layout");
_Static_assert(offsetof(struct arch_regs, fpsr) == REGS_FPSR, "regs layout");
_Static_assert(offsetof(struct arch_regs, v) == REGS_VREGS, "regs layout");
_Static_assert(sizeof(struct arch_regs) == REGS_SIZE, "regs layout");
#endif
