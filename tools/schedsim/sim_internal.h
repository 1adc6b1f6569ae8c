/* SPDX-License-Identifier: MIT */
/*
 * schedsim engine internals shared by sim.c (event loop and CPUs),
 * sim_task.c (task models), sim_stats.c (latency samples) and sim_rand.c
 * (random numbers). Not for users of the engine: see sim.h.
 */
#pragma once

#include "sim.h"

/* A policy that keeps granting less than SIM_SHORT_NS, SIM_MAX_SHORT
 * times in a row, is livelocked (time would crawl): the run fails. */
#define SIM_SHORT_NS 1000
#define SIM_MAX_SHORT 100000

/* Growable array of latency samples (ns). */
struct sim_lat {
    uint64_t *v;
    uint64_t n;
    uint64_t cap;
    uint64_t max; /* exact even if a sample could not be stored */
};

struct sim_vm {
    char name[SIM_NAME_MAX];
    unsigned int nr_vcpus;
    uint64_t rt_period_ns;
    uint64_t rt_budget_ns;
};

struct sim_vcpu {
    struct sched_unit unit; /* what the scheduler sees; cpu, vm_id, ... */
    struct sim *sim;
    struct sim_task task;
    bool runnable;
    /* Work left in the current job, ns; SIM_NEVER for a hog. Only a
     * runnable vCPU has work left, except a periodic one between a
     * release that found it busy and the end of its job. */
    uint64_t remaining;
    uint64_t next_event; /* next release/arrival/unblock, or SIM_NEVER */
    bool lat_pending;    /* woken, not yet put on its CPU since */
    uint64_t woke_at;
    uint64_t rng;
    uint64_t jitter_rng; /* its own stream: jitter leaves `rng` alone */
    uint64_t cpu_ns;
    uint64_t releases;
    uint64_t misses;
    uint64_t late; /* periodic: jobs still running at their next release */
    bool job_late; /* the current job is one of them */
    struct sim_lat lat;
};

struct sim_cpu {
    struct sim_vcpu *running; /* last pick; may have blocked since */
    bool need_resched;
    uint64_t slice_end;   /* pick again then; SIM_NEVER = until an event */
    uint64_t useful_from; /* the switch cost of `running` is paid until */
    uint64_t short_picks; /* consecutive picks granting under SIM_SHORT_NS */
    struct sim_cpu_stats st;
};

struct sim {
    struct scheduler sched;
    struct sim_config cfg;
    uint64_t now;
    bool started;
    bool failed;
    char error[160];
    unsigned int nr_vms;
    unsigned int nr_vcpus;
    struct sim_vm vms[SIM_MAX_VMS];
    struct sim_vcpu vcpus[SIM_MAX_VCPUS]; /* units point in: never moved */
    struct sim_cpu cpus[SCHED_MAX_CPUS];
};

/* a + b, or SIM_NEVER when that does not fit. */
static inline uint64_t sim_add_sat(uint64_t a, uint64_t b)
{
    return a > SIM_NEVER - b ? SIM_NEVER : a + b;
}

/* sim.c: state changes the task models ask for. */
void sim_vcpu_wake(struct sim_vcpu *v, bool record_latency);
void sim_vcpu_block(struct sim_vcpu *v);

/* sim_task.c: the task models. */
void sim_task_start(struct sim_vcpu *v);
void sim_task_event(struct sim_vcpu *v);
void sim_task_done(struct sim_vcpu *v);

/* sim_stats.c */
void sim_lat_add(struct sim_lat *l, uint64_t ns);
void sim_lat_sort(struct sim_lat *l);
uint64_t sim_lat_percentile(const struct sim_lat *l, unsigned int pct);
void sim_lat_free(struct sim_lat *l);

/* sim_rand.c: splitmix64 streams, identical on every host. */
uint64_t sim_rand_seed(uint64_t seed, unsigned int stream);
uint64_t sim_rand_next(uint64_t *state);
/* An exponentially distributed time with the given mean, at least 1 ns. */
uint64_t sim_rand_exp(uint64_t *state, uint64_t mean_ns);
