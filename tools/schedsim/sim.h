/* SPDX-License-Identifier: MIT */
/*
 * schedsim engine: a deterministic discrete-event simulator, in virtual
 * nanoseconds, that drives the real sched/ policies exactly as the
 * hypervisor does (kernel/vcpu.c vcpu_schedule): every wake or block sets
 * need_resched on the vCPU's CPU, a CPU that needs rescheduling calls
 * sched_pick_next(cpu, now), and a decision's run_ns (0 = until an event)
 * becomes a slice-end event. Used by the schedsim command and the unit
 * tests: build a model (sim_create, sim_add_vm, sim_add_vcpu), run it
 * (sim_run, as often as wanted: running to t1 then to t2 gives the same
 * result as running to t2), read statistics (sim_get_stats).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <sched/sched.h>

#define SIM_NEVER UINT64_MAX
#define SIM_MAX_VMS 64 /* VM ids are 0..63: credit keeps a table of 64 */
#define SIM_MAX_VCPUS 256
#define SIM_NAME_MAX 32

struct sim;

/* What a vCPU does (its task model). */
enum sim_kind {
    SIM_HOG,      /* always runnable */
    SIM_PERIODIC, /* work_ns every period_ns from phase_ns, else blocked */
    SIM_IO,       /* runs run_ns, blocks block_ns, again */
    SIM_IRQ,      /* Poisson arrivals every gap_ns on average, work_ns each */
};

struct sim_task {
    enum sim_kind kind;
    uint64_t period_ns; /* periodic */
    uint64_t phase_ns;  /* periodic: time of the first release */
    uint64_t work_ns;   /* periodic: per release; irq: per arrival */
    uint64_t run_ns;    /* io: CPU time per burst */
    uint64_t block_ns;  /* io: block time (the mean when block_exp) */
    bool block_exp;     /* io: block times exponentially distributed */
    uint64_t gap_ns;    /* irq: mean time between arrivals (1/rate) */
};

struct sim_config {
    unsigned int nr_cpus;
    const char *policy;        /* a registered sched_ops name */
    uint64_t seed;             /* for io (exp) and irq random times */
    uint64_t switch_cost_ns;   /* lost each time a CPU loads a vCPU */
    uint64_t put_cost_ns;      /* more when it replaces a vCPU at once */
    uint64_t wake_overhead_ns; /* added to every latency sample */
    uint64_t wake_jitter_ns;   /* plus a uniform draw in [0, this) */
    FILE *trace;               /* optional: scheduler events, one a line */
};

struct sim_vm_desc {
    const char *name;
    unsigned int weight;   /* 0 = leave the policy's default */
    unsigned int cap_pct;  /* percent of one CPU, 0 = none */
    uint64_t rt_period_ns; /* reservation for each of its vCPUs, */
    uint64_t rt_budget_ns; /* 0 = none */
};

/* Per-vCPU results since time 0. */
struct sim_stats {
    const char *vm_name;
    unsigned int vm;   /* VM index (= sched_unit vm_id) */
    unsigned int vcpu; /* index within the VM (= sched_unit vcpu_id) */
    unsigned int cpu;
    enum sim_kind kind;
    uint64_t cpu_ns;   /* guest time run (switch cost excluded) */
    uint64_t releases; /* periodic: jobs started; irq: arrivals; io: bursts */
    uint64_t misses;   /* periodic: releases that found the job unfinished */
    uint64_t late;     /* periodic: jobs that ended after their next release;
                        * late + misses is what the media probe counts */
    /* Wake-to-run latencies, ns, sorted ascending; valid until the next
     * sim_run or sim_destroy. Percentiles are nearest-rank; all 0 when
     * there are no samples. */
    const uint64_t *lat_ns;
    uint64_t nr_lat;
    uint64_t lat_p50_ns;
    uint64_t lat_p99_ns;
    uint64_t lat_max_ns;
};

struct sim_cpu_stats {
    uint64_t busy_ns;   /* guest time */
    uint64_t switch_ns; /* switch cost paid */
    uint64_t idle_ns;
    uint64_t switches; /* vCPU loads */
};

/**
 * Creates a simulator with cfg's policy on cfg->nr_cpus CPUs. 0, or
 * sched_init's error (-22 unknown policy or bad CPU count, -12).
 */
int sim_create(struct sim **out, const struct sim_config *cfg);

void sim_destroy(struct sim *sim);

/** The scheduler instance, e.g. for sched_set_params before running. */
struct scheduler *sim_scheduler(struct sim *sim);

/**
 * Adds a VM and gives the policy its weight and cap. Its index (the
 * vm_id of its units), or -22 (too many VMs, name too long, values the
 * policy refuses).
 */
int sim_add_vm(struct sim *sim, const struct sim_vm_desc *d);

/**
 * Adds a vCPU of VM vm pinned to cpu, inserts its unit and, when the VM
 * has a reservation, reserves it. Its index, or -22 (bad arguments or
 * task, too many vCPUs, vCPUs added after sim_run), the policy's insert
 * error, or sched_set_reservation's (-28: admission control refused).
 * A failed vCPU is not added.
 */
int sim_add_vcpu(struct sim *sim, unsigned int vm, unsigned int cpu,
                 const struct sim_task *task);

/**
 * sim_add_vcpu for a vCPU that starts on cpu and may run on the CPUs of
 * the affinity mask (bit n = CPU n; it must include cpu; 0 = pinned).
 */
int sim_add_vcpu_affine(struct sim *sim, unsigned int vm, unsigned int cpu,
                        uint32_t affinity, const struct sim_task *task);

/**
 * Simulates up to time until (ns). 0, or -1 when the policy misbehaved
 * (picked a blocked unit, or a unit of another CPU); sim_error() says
 * what happened and the simulation stops there.
 */
int sim_run(struct sim *sim, uint64_t until);

uint64_t sim_now(const struct sim *sim);
unsigned int sim_nr_vcpus(const struct sim *sim);
unsigned int sim_nr_cpus(const struct sim *sim);
const char *sim_error(const struct sim *sim);

void sim_get_stats(struct sim *sim, unsigned int vcpu, struct sim_stats *out);
void sim_get_cpu_stats(const struct sim *sim, unsigned int cpu,
                       struct sim_cpu_stats *out);

/** Whether task's kind is known and the times it needs are above 0. */
bool sim_task_valid(const struct sim_task *task);

/** "hog", "periodic", "io" or "irq". */
const char *sim_kind_name(enum sim_kind kind);

/**
 * Lower edge, in us, of the latency.csv bucket holding a latency:
 * 1 us buckets below 100 us, 10 us below 1 ms, 100 us below 10 ms,
 * 1 ms above.
 */
uint64_t sim_lat_bucket_us(uint64_t lat_ns);
