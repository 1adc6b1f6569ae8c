/* SPDX-License-Identifier: MIT */
/* Exception kinds passed from the vectors (entry.S) to C. */
#pragma once

#define GUEST_EXIT_SYNC 0
#define GUEST_EXIT_IRQ 1
#define GUEST_EXIT_FIQ 2
#define GUEST_EXIT_SERROR 3
#define GUEST_EXIT_AARCH32 4

#define HYP_EXC_SP0_SYNC 0
#define HYP_EXC_SP0_IRQ 1
#define HYP_EXC_SP0_FIQ 2
#define HYP_EXC_SP0_SERROR 3
#define HYP_EXC_SYNC 4
#define HYP_EXC_IRQ 5
#define HYP_EXC_FIQ 6
#define HYP_EXC_SERROR 7

#ifndef __ASSEMBLY__
#include <asm/regs.h>

/** Called by the vectors on a guest exit; returns the context to enter. */
struct arch_regs *arch_guest_exit(struct arch_regs *regs, uint64_t kind);

/** Called by the vectors for an exception taken at EL2; never returns. */
void hyp_exception(struct arch_regs *frame, uint64_t kind);

/** Loads a guest context and ERETs to it. */
void guest_enter(struct arch_regs *regs) __attribute__((noreturn));
#endif
