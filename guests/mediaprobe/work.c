/* SPDX-License-Identifier: MIT */
/*
 * Busy-work loop and its calibration. The loop body is exactly
 * "subs; b.ne" (2 instructions per iteration), written in asm so the
 * compiler cannot shorten it; under QEMU -icount shift=0 every instruction
 * is 1 ns of virtual time, so the calibration is exact there.
 */
#include "work.h"
#include "clock.h"

#define WORK_TRIALS 8U
#define WORK_TRIAL_ITERS 65536U

void work_spin(uint64_t iters)
{
    if (iters == 0) {
        return;
    }
    __asm__ __volatile__("1: subs %0, %0, #1\n\t"
                         "b.ne 1b"
                         : "+r"(iters)
                         :
                         : "cc");
}

struct work_calib work_calibrate(void)
{
    struct work_calib c = {
        .trial_iters = WORK_TRIAL_ITERS,
        .best_ns = UINT64_MAX,
        .trials = WORK_TRIALS,
    };

    for (unsigned int i = 0; i < WORK_TRIALS; i++) {
        uint64_t t0 = clock_now();
        uint64_t ns;

        work_spin(WORK_TRIAL_ITERS);
        ns = clock_ticks_to_ns(clock_now() - t0);
        if (ns < c.best_ns) {
            c.best_ns = ns;
        }
    }
    if (c.best_ns == 0) {
        c.best_ns = 1;
    }
    return c;
}

uint64_t work_iters_for(const struct work_calib *c, uint64_t work_ns)
{
    /* work_ns <= ~1e12 and trial_iters < 2^17 keep this below 2^64. */
    return (work_ns * c->trial_iters + c->best_ns / 2) / c->best_ns;
}
