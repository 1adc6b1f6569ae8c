/* SPDX-License-Identifier: MIT */
/*
 * Virtual CPUs. A vCPU is pinned to one physical CPU (its `pcpu`) and only
 * that CPU loads, runs, blocks or wakes it, so its state needs no lock.
 */
#pragma once

#include <asm/vcpu.h>
#include <hv/timer.h>
#include <hv/types.h>
#include <sched/sched.h>

struct vm;

enum vcpu_state {
    VCPU_RUNNABLE, /* waiting in its CPU's run queue, or running */
    VCPU_BLOCKED,  /* in WFI until an interrupt arrives */
    VCPU_STOPPED,  /* its VM stopped */
};

struct vcpu {
    /* First, so the entry code finds the register context at offset 0. */
    struct arch_vcpu arch;
    struct vm *vm;
    unsigned int id;
    unsigned int pcpu;
    enum vcpu_state state;
    struct sched_unit unit;
    struct timer_event wake_timer;
    uint64_t nr_exits;
};

/** Creates vCPU id of vm on pcpu, entering at entry with x0 = arg. */
int vcpu_create(struct vm *vm, unsigned int id, unsigned int pcpu,
                uint64_t entry, uint64_t arg, struct vcpu **out);

/** The vCPU loaded on this CPU, or NULL when idle. */
struct vcpu *vcpu_current(void);

/** Guest executed WFI: block until an interrupt is pending for it. */
void vcpu_wfi(struct vcpu *v);

/** Guest asked to give up its slice. */
void vcpu_yield(struct vcpu *v);

/** Makes a blocked vCPU runnable again (on its own CPU). */
void vcpu_wake(struct vcpu *v);

/** Marks a vCPU stopped and takes it off its run queue. */
void vcpu_stop(struct vcpu *v);

/**
 * Picks what this CPU runs next, idling until something is runnable, loads
 * it and returns its register context. Called at the end of every exit.
 */
struct arch_regs *vcpu_schedule(void);

/** Enters the scheduler loop on this CPU; never returns. */
void vcpu_run_loop(void) __attribute__((noreturn));

/** Asks for a reschedule at the end of the current exit. */
void vcpu_request_resched(void);
