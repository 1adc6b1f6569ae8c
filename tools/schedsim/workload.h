/* SPDX-License-Identifier: MIT */
/*
 * schedsim workloads: the text format (see workload.c and README.md)
 * parsed into a struct workload, then built into a simulator. Errors are
 * reported as "FILE:LINE: message" on the given stream (NULL: silent).
 */
#pragma once

#include <stdint.h>
#include <stdio.h>

#include "sim.h"

#define WORKLOAD_MAX_PARAMS 16

/* A global policy parameter, applied with sched_set_params. */
struct workload_param {
    const char *name; /* a static string: "tslice_us", ... */
    uint32_t value;
    unsigned int line;
};

struct workload_vm {
    char name[SIM_NAME_MAX];
    unsigned int weight; /* 0 = the policy's default */
    unsigned int cap_pct;
    uint64_t rt_period_ns;
    uint64_t rt_budget_ns; /* 0 = no reservation */
    unsigned int line;
};

struct workload_vcpu {
    unsigned int vm; /* index in vms[] */
    unsigned int cpu;
    uint32_t affinity; /* `cpus` list as a mask; 0 = pinned to cpu */
    struct sim_task task;
    unsigned int line;
};

struct workload {
    char file[256]; /* for messages */
    char policy[SIM_NAME_MAX];
    unsigned int policy_line;
    unsigned int nr_cpus;
    uint64_t duration_ns;
    uint64_t seed;
    uint64_t switch_cost_ns;
    uint64_t put_cost_ns;
    uint64_t wake_overhead_ns;
    uint64_t wake_jitter_ns;
    unsigned int nr_params;
    struct workload_param params[WORKLOAD_MAX_PARAMS];
    unsigned int nr_vms;
    struct workload_vm vms[SIM_MAX_VMS];
    unsigned int nr_vcpus;
    struct workload_vcpu vcpus[SIM_MAX_VCPUS];
};

/**
 * Parses the workload text in `in`, named `name` in messages, into wl
 * (defaults first). 0, or -1 after printing the first error to err.
 */
int workload_parse(struct workload *wl, FILE *in, const char *name, FILE *err);

/** workload_parse() on the file at path. 0, or -1 after an error. */
int workload_load(struct workload *wl, const char *path, FILE *err);

/**
 * Creates the simulator wl describes, tracing to trace (may be NULL):
 * policy, parameters, VMs, vCPUs and their reservations. 0 and *out set,
 * or -1 after printing why the policy refused something (for instance
 * "-28: ... rt_share_pct ...") to err; *out is NULL then.
 */
int workload_build(const struct workload *wl, FILE *trace, struct sim **out,
                   FILE *err);
