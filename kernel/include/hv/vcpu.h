/* SPDX-License-Identifier: MIT */
/*
 * Virtual CPUs.
 *
 * A vCPU belongs to one physical CPU at a time (its `pcpu`, the owner).
 * Only the owner loads, runs, blocks, wakes, starts it and tells the
 * scheduler about it. Other CPUs change a vCPU only through its atomically
 * written `state` (stop), `start_pending` (PSCI CPU_ON) or its interrupt
 * state, and then call vcpu_kick(), which makes the owner re-examine it.
 * A vCPU whose cpus-allowed names other CPUs may change owner when one of
 * them steals it while it waits; kernel/vcpu.c describes the handover.
 */
#pragma once

#include <asm/vcpu.h>
#include <hv/timer.h>
#include <hv/types.h>
#include <sched/sched.h>

struct vm;

enum vcpu_state {
    VCPU_OFF,      /* powered off: not started yet, or PSCI CPU_OFF */
    VCPU_RUNNABLE, /* in its CPU's run queue, or running */
    VCPU_BLOCKED,  /* in WFI until an interrupt arrives */
    VCPU_STOPPED,  /* its VM stopped or is being reset */
};

/* Why a vCPU left the guest, for the counts printed when its VM stops. */
enum vcpu_exit_kind {
    VCPU_EXIT_IRQ,    /* a physical interrupt */
    VCPU_EXIT_WFX,    /* WFI or WFE */
    VCPU_EXIT_MMIO,   /* an emulated device register */
    VCPU_EXIT_CALL,   /* HVC or SMC */
    VCPU_EXIT_SYSREG, /* a trapped system register */
    VCPU_EXIT_OTHER,
    VCPU_EXIT_KINDS
};

struct vcpu {
    /* First, so the entry code finds the register context at offset 0. */
    struct arch_vcpu arch;
    struct vm *vm;
    unsigned int id;
    unsigned int pcpu;     /* atomic: the owner; see kernel/vcpu.c */
    enum vcpu_state state; /* atomic */
    bool loaded;           /* atomic: its state is on its CPU */
    bool kick;             /* atomic: the owner must re-examine it */
    bool start_pending;    /* PSCI CPU_ON accepted, owner to start it */
    uint64_t start_entry;
    uint64_t start_arg;
    bool sched_awake; /* what the scheduler was last told (owner only) */
    struct sched_unit unit;
    struct timer_event wake_timer;
    uint64_t nr_exits;
    uint64_t exits[VCPU_EXIT_KINDS]; /* by cause; the owner CPU's */
};

/** Initialises the scheduler instance for nr_cpus CPUs. 0 or -HV_EINVAL. */
int vcpu_sched_init(const char *policy, unsigned int nr_cpus);

/**
 * Applies the VM description's weight, cap and reservation to the policy.
 * Parameters the policy lacks are ignored with a warning; a reservation
 * refused by admission control fails (-HV_ENOSPC) with a logged reason.
 */
int vcpu_sched_configure(struct vm *vm);

/**
 * Creates vCPU id of vm on pcpu, powered off; cpus_allowed (bit n = CPU n,
 * 0 = pcpu only) are the CPUs work stealing may move it to.
 */
int vcpu_create(struct vm *vm, unsigned int id, unsigned int pcpu,
                uint32_t cpus_allowed, struct vcpu **out);

/** The vCPU loaded on this CPU, or NULL when idle. */
struct vcpu *vcpu_current(void);

/** Guest executed WFI: block until an interrupt is pending for it. */
void vcpu_wfi(struct vcpu *v);

/** Guest asked to give up its slice. */
void vcpu_yield(struct vcpu *v);

/** Owner only: makes a blocked vCPU runnable again. */
void vcpu_wake(struct vcpu *v);

/** Any CPU: asks v's owner to re-examine it (start, stop, interrupts). */
void vcpu_kick(struct vcpu *v);

/**
 * Any CPU: powers v on at entry with x0 = arg (PSCI CPU_ON). Returns 0,
 * -HV_EBUSY when it is on, -HV_EAGAIN when a start is already pending.
 */
int vcpu_power_on(struct vcpu *v, uint64_t entry, uint64_t arg);

/** Owner, v current: powers v off (PSCI CPU_OFF). */
void vcpu_power_off(struct vcpu *v);

/** Any CPU: marks v stopped (its VM stops or resets). */
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

/** Handles kick requests for this CPU's vCPUs (from the kick IPI). */
void vcpu_handle_kicks(void);
