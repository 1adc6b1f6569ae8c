/* SPDX-License-Identifier: MIT */
/* Helpers for the tests that drive the scheduler through tools/schedsim. */
#pragma once

#include "harness.h"

#include "../../../tools/schedsim/sim.h"

/* Simulates up to until; a policy misbehaving fails the test. */
static inline void run_to(struct sim *sim, uint64_t until)
{
    if (sim_run(sim, until) != 0) {
        fail_msg("simulation failed: %s", sim_error(sim));
    }
}

static inline struct sim_stats stats(struct sim *sim, unsigned int vcpu)
{
    struct sim_stats st;

    sim_get_stats(sim, vcpu, &st);
    return st;
}
