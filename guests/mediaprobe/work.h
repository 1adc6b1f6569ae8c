/* SPDX-License-Identifier: MIT */
/*
 * mediaprobe busy work: a loop with a fixed instruction count per
 * iteration, calibrated once so that a frame's work is an amount of
 * computation, not of wall time (a preempted frame takes longer).
 */
#pragma once

#include <stdint.h>

/** Result of work_calibrate(). */
struct work_calib {
    uint64_t trial_iters; /* iterations per trial */
    uint64_t best_ns;     /* fastest trial, in ns */
    unsigned int trials;
};

/** Runs iters iterations of the work loop (2 instructions each). */
void work_spin(uint64_t iters);

/**
 * Times several short trials of the loop and keeps the fastest, since
 * another guest may preempt any one of them. Never returns best_ns == 0.
 */
struct work_calib work_calibrate(void);

/** Iterations worth work_ns of computation at the calibrated speed. */
uint64_t work_iters_for(const struct work_calib *c, uint64_t work_ns);
