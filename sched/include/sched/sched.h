/* SPDX-License-Identifier: MIT */
/*
 * Scheduler-ops interface, after Xen's struct scheduler.
 *
 * Design: a policy is a const struct sched_ops registered with
 * SCHED_REGISTER(); an instance (struct scheduler) pairs the ops with the
 * policy's private data. The hypervisor core owns the vCPUs and embeds one
 * struct sched_unit in each; the policy sees only units. Hooks receive the
 * current time `now` (ns) as an argument and call no arch, timer or
 * hardware code, so sched/ builds unchanged into Shoji, the host unit tests
 * and the simulator. Memory comes from the environment's allocator.
 *
 * Locking: policies keep their state per CPU. A unit runs on `cpu`; when
 * its `affinity` names other CPUs too, pick_next on one of them may take
 * it from `cpu`'s run queue while it waits there (work stealing): the
 * policy then sets u->cpu to the new CPU and traces SCHED_EV_STEAL. So the
 * caller must serialise all calls on an instance whose units may migrate
 * (Shoji takes one scheduler lock, with interrupts masked); with pinned
 * units only, serialising the calls for each CPU is enough.
 *
 * Unit life cycle: insert_unit (blocked) -> wake (runnable) -> picked by
 * pick_next (running) -> sleep (blocked) or yield/preempted (runnable) ...
 * -> remove_unit.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct scheduler;

struct sched_unit {
    unsigned int cpu; /* physical CPU the unit runs on */
    /* CPUs it may run on, bit n for CPU n; 0 = only `cpu` (pinned). A
     * policy that steals work moves it only within this mask. */
    uint32_t affinity;
    unsigned int vm_id; /* for statistics and traces */
    unsigned int vcpu_id;
    void *priv;      /* the policy's per-unit data */
    uint64_t run_ns; /* total time picked, accounted by the core */
};

/* What pick_next decided: the unit to run (NULL = idle) and for how long
 * before pick_next must be called again (0 = until an event). */
struct sched_decision {
    struct sched_unit *unit;
    uint64_t run_ns;
};

/* Scheduler events, for traces (see sched_env.trace). */
enum sched_event {
    SCHED_EV_WAKE,       /* unit became runnable */
    SCHED_EV_BLOCK,      /* unit blocked (or stopped) */
    SCHED_EV_SWITCH_IN,  /* unit picked to run; arg = granted run_ns */
    SCHED_EV_SWITCH_OUT, /* unit descheduled */
    SCHED_EV_BOOST,      /* credit: unit woke with BOOST */
    SCHED_EV_BUDGET_OUT, /* reservation budget exhausted */
    SCHED_EV_REPLENISH,  /* reservation budget refilled; arg = deadline */
    SCHED_EV_STEAL,      /* unit taken from another CPU; arg = that CPU */
    SCHED_EV_COUNT,
};

/** Short lowercase name of an event ("wake", "switch_in", ...). */
const char *sched_event_name(enum sched_event ev);

struct sched_env {
    void *(*zalloc)(size_t size);
    void (*free)(void *p);
    void (*print)(const char *fmt, ...);
    /* Optional: records one event. Called on the unit's CPU with that
     * CPU's calls serialised, so a per-CPU ring needs no lock. */
    void (*trace)(unsigned int cpu, uint64_t now, enum sched_event ev,
                  const struct sched_unit *u, uint64_t arg);
};

/* Global policy parameters; a field a policy does not have reads as 0
 * and must be 0 (or its current value) when set. */
struct sched_params {
    uint32_t tslice_us;    /* credit time slice (Xen: 30 ms) */
    uint32_t tick_us;      /* credit accounting period (Xen: 10 ms) */
    uint32_t ratelimit_us; /* minimum run before preemption (Xen: 1 ms) */
    uint32_t rt_share_pct; /* share of a CPU reservations may claim */
};

struct sched_ops {
    const char *name;
    /* Mandatory hooks. */
    int (*init)(struct scheduler *s);
    int (*insert_unit)(struct scheduler *s, struct sched_unit *u);
    void (*remove_unit)(struct scheduler *s, struct sched_unit *u);
    void (*wake)(struct scheduler *s, struct sched_unit *u, uint64_t now);
    void (*sleep)(struct scheduler *s, struct sched_unit *u, uint64_t now);
    struct sched_decision (*pick_next)(struct scheduler *s, unsigned int cpu,
                                       uint64_t now);
    /* Optional hooks. */
    void (*yield)(struct scheduler *s, struct sched_unit *u, uint64_t now);
    void (*deinit)(struct scheduler *s);
    void (*dump)(struct scheduler *s);
    /* Sets a VM's weight and cap (percent of one CPU, 0 = none). */
    int (*set_vm_params)(struct scheduler *s, unsigned int vm_id,
                         unsigned int weight, unsigned int cap_pct);
    int (*get_vm_params)(struct scheduler *s, unsigned int vm_id,
                         unsigned int *weight, unsigned int *cap_pct);
    /* Gives unit u budget_ns of CPU time every period_ns at real-time
     * priority (budget 0 removes it), after admission control. */
    int (*set_reservation)(struct scheduler *s, struct sched_unit *u,
                           uint64_t period_ns, uint64_t budget_ns);
    int (*set_params)(struct scheduler *s, const struct sched_params *p);
    void (*get_params)(struct scheduler *s, struct sched_params *p);
};

struct scheduler {
    const struct sched_ops *ops;
    void *priv;
    unsigned int nr_cpus;
    struct sched_env env;
    struct sched_unit *curr[16]; /* last pick per CPU, for accounting */
    uint64_t picked_at[16];
};

#define SCHED_MAX_CPUS 16

/* Places a policy in the sched_ops table. */
#define SCHED_REGISTER(ops_)                                                   \
    static const struct sched_ops *const sched_ops_ptr_##ops_                  \
        __attribute__((used, section("sched_ops"))) = &(ops_)

/** Finds a registered policy by name; NULL when unknown. */
const struct sched_ops *sched_find(const char *name);

/** Prints the names of the registered policies through env->print. */
void sched_list(const struct sched_env *env);

/**
 * Creates scheduler instance s for nr_cpus CPUs with policy name. Rejects an
 * unknown name and policies missing a mandatory hook. 0, or -22 / -12.
 */
int sched_init(struct scheduler *s, const char *name, unsigned int nr_cpus,
               const struct sched_env *env);

void sched_deinit(struct scheduler *s);
int sched_insert(struct scheduler *s, struct sched_unit *u);
void sched_remove(struct scheduler *s, struct sched_unit *u);
void sched_wake(struct scheduler *s, struct sched_unit *u, uint64_t now);
void sched_sleep(struct scheduler *s, struct sched_unit *u, uint64_t now);
void sched_yield_unit(struct scheduler *s, struct sched_unit *u, uint64_t now);

/** Asks the policy what cpu runs next; accounts the previous pick's time. */
struct sched_decision sched_pick_next(struct scheduler *s, unsigned int cpu,
                                      uint64_t now);

/**
 * Sets VM vm_id's weight and cap (percent of one CPU, 0 = no cap) for
 * policies that have them. 0, or -22 for bad values or when the policy has
 * no such parameters.
 */
int sched_set_vm_params(struct scheduler *s, unsigned int vm_id,
                        unsigned int weight, unsigned int cap_pct);

/** Reads VM vm_id's weight and cap. 0, or -22. */
int sched_get_vm_params(struct scheduler *s, unsigned int vm_id,
                        unsigned int *weight, unsigned int *cap_pct);

/**
 * Reserves budget_ns every period_ns for unit u (latency-sensitive:
 * earliest deadline first, preempting ordinary units when it wakes);
 * budget_ns 0 removes the reservation. 0; -22 for bad values or a policy
 * without reservations; -28 when admission control refuses it because
 * the reservations on u's CPU would exceed the policy's rt_share_pct.
 */
int sched_set_reservation(struct scheduler *s, struct sched_unit *u,
                          uint64_t period_ns, uint64_t budget_ns);

/** Sets or reads the global parameters. set: 0, or -22. */
int sched_set_params(struct scheduler *s, const struct sched_params *p);
void sched_get_params(struct scheduler *s, struct sched_params *p);

/** Records a trace event if the environment traces. */
static inline void sched_trace(struct scheduler *s, unsigned int cpu,
                               uint64_t now, enum sched_event ev,
                               const struct sched_unit *u, uint64_t arg)
{
    if (s->env.trace != NULL) {
        s->env.trace(cpu, now, ev, u, arg);
    }
}

/** Prints the policy's state, if it can. */
void sched_dump(struct scheduler *s);
