/* SPDX-License-Identifier: MIT */
/*
 * mediaprobe frame loop: wake on absolute virtual-timer deadlines, record
 * the wake-to-run latency of each, do a frame's work, count misses.
 */
#pragma once

#include <stdint.h>

/* Most frames one run can record (the latency array is static). */
#define FRAMES_MAX 20000U

struct frames_cfg {
    uint64_t period_ns;
    uint64_t work_iters; /* work_spin() iterations per frame */
    unsigned int frames; /* deadlines, 1..FRAMES_MAX */
};

struct frames_result {
    uint64_t *lat_ns;     /* one wake latency per frame that ran */
    unsigned int samples; /* frames that ran (entries in lat_ns) */
    unsigned int misses;  /* late frames plus skipped deadlines */
    unsigned int skipped; /* deadlines already past when reached */
    uint64_t work_max_ns; /* longest wall time of one frame's work */
    uint64_t work_sum_ns; /* total wall time of all frames' work */
};

/**
 * Runs cfg->frames deadlines d_k = start + k * period (k = 1..frames) on
 * CNTVCT, blocking in WFI between them. Takes over the virtual timer
 * interrupt and unmasks IRQs. The latency array stays valid afterwards.
 */
void frames_run(const struct frames_cfg *cfg, struct frames_result *res);
