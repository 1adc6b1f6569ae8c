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
 * Locking: the caller serialises all calls for one physical CPU (in Shoji,
 * a unit is pinned to a CPU and only that CPU calls the hooks for it, with
 * interrupts masked). Policies keep their state per CPU.
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
    unsigned int cpu;   /* physical CPU the unit runs on */
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

struct sched_env {
    void *(*zalloc)(size_t size);
    void (*free)(void *p);
    void (*print)(const char *fmt, ...);
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

/** Prints the policy's state, if it can. */
void sched_dump(struct scheduler *s);
