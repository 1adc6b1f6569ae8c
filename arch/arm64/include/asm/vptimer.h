/* SPDX-License-Identifier: MIT */
/*
 * Emulated EL1 physical timer (CNTP_*_EL0). CNTHCTL_EL2.EL1PCEN = 0 traps
 * the guest's accesses; the comparator is kept here and a software timer
 * raises the level of PPI 30 when it fires. The physical counter itself
 * is not trapped.
 */
#pragma once

#include <hv/timer.h>
#include <stdbool.h>
#include <stdint.h>

struct vcpu;

struct vptimer {
    uint64_t ctl; /* ENABLE and IMASK as written */
    uint64_t cval;
    struct timer_event ev;
};

/** Sets the timer to its reset state; call on v's own CPU or at boot. */
void vptimer_init(struct vcpu *v);

/**
 * Emulates an access to CNTP_TVAL_EL0 (op2 0), CNTP_CTL_EL0 (1) or
 * CNTP_CVAL_EL0 (2). Runs on v's own CPU.
 */
void vptimer_access(struct vcpu *v, unsigned int op2, bool read, uint64_t *val);

/** On the CPU giving v away: takes its software timer off this CPU and
 * homes it on cpu `to`. */
void vptimer_move_out(struct vcpu *v, unsigned int to);

/** On v's new CPU: arms its software timer here again if it runs. */
void vptimer_move_in(struct vcpu *v);
