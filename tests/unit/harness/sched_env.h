/* SPDX-License-Identifier: MIT */
/* The scheduler environment the sched/ tests give policies: calloc/free
 * with a count of live allocations, so a test can check for leaks. */
#pragma once

#include "harness.h"

#include <sched/sched.h>

extern const struct sched_env test_sched_env;

/* Allocations made through test_sched_env and not freed yet. */
extern unsigned int test_sched_live_allocs;

/* Ends a test's scheduler: dumps it, removes units[0..n), deinits it and
 * checks that nothing the policy allocated leaked. 0, or -1 on a leak.
 * Inline, so binaries without sched/ that link this harness need none. */
static inline int test_sched_teardown(struct scheduler *s,
                                      struct sched_unit *units, unsigned int n)
{
    unsigned int i;

    sched_dump(s);
    for (i = 0; i < n; i++) {
        sched_remove(s, &units[i]);
    }
    sched_deinit(s);
    if (test_sched_live_allocs != 0) {
        print_error("%u scheduler allocations leaked\n",
                    test_sched_live_allocs);
        test_sched_live_allocs = 0;
        return -1;
    }
    return 0;
}
