/* SPDX-License-Identifier: MIT */
/* The scheduler environment the sched/ tests give policies: calloc/free
 * with a count of live allocations, so a test can check for leaks. */
#pragma once

#include <sched/sched.h>

extern const struct sched_env test_sched_env;

/* Allocations made through test_sched_env and not freed yet. */
extern unsigned int test_sched_live_allocs;
