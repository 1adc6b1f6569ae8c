/* SPDX-License-Identifier: MIT */
/*
 * Scheduler event trace: a ring per physical CPU, filled through the
 * scheduler environment's trace hook and printed at power-off as lines
 * "trace: <cpu> <ns> <event> <vm> <vcpu> <arg>" (tools/shoji-trace turns
 * them into Chrome trace-event JSON). Off unless the host command line
 * has trace=N (N events per CPU, or 1 for the default size).
 */
#pragma once

#include <sched/sched.h>
#include <stdbool.h>
#include <stdint.h>

struct host_info;

/** Reads trace= from the host command line and allocates the rings. */
void trace_init(const struct host_info *info, unsigned int nr_cpus);

/** True when tracing is on. */
bool trace_enabled(void);

/** The sched_env.trace hook: records one event on cpu's ring. */
void trace_sched_event(unsigned int cpu, uint64_t now, enum sched_event ev,
                       const struct sched_unit *u, uint64_t arg);

/** Stops recording and prints every ring, oldest event first. */
void trace_dump(void);
