/* SPDX-License-Identifier: MIT */
/*
 * mediaprobe: a bare-metal guest that behaves like a 60 fps media
 * pipeline and measures how well the scheduler serves it. Every period it
 * waits for an absolute virtual-timer deadline (blocked in WFI), records
 * the wake-to-run latency, and does a fixed amount of computation; work
 * not done by the next deadline is a missed frame.
 *
 * Bootargs: period_us=P (16667) work_us=W (4000) frames=N (600, at most
 * 20000). Output, after the run (nothing is printed during it):
 *   media: frames N misses M lat_us p50 X p99 Y max Z
 *   media: ran R skipped S work_us mean A max B
 *   media: hist <lo_us> <count>        one line per non-empty bucket
 *   TEST media.1 no-misses PASS|FAIL   PASS iff M == 0
 *   <n> passed, <m> failed
 * M counts late frames and skipped deadlines (S); R = N - S frames ran.
 * Latency is the counter read first in the timer interrupt handler minus
 * the deadline; A/B are the wall times of a frame's work (longer than W
 * when the vCPU was preempted mid-frame). Values are us rounded to one
 * decimal; histogram buckets (stats.h) hold floor(latency in us).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dtb.h"
#include "frames.h"
#include "runtime.h"
#include "stats.h"
#include "test.h"
#include "work.h"

#define MEDIA_PERIOD_US 16667UL
#define MEDIA_WORK_US 4000UL
#define MEDIA_FRAMES 600UL
#define MEDIA_US_MAX 1000000UL

/*
 * Value of "key=<decimal>" in args (key at the start or after a space),
 * or def if absent, malformed or outside lo..hi.
 */
static unsigned long media_arg(const char *args, const char *key,
                               unsigned long def, unsigned long lo,
                               unsigned long hi)
{
    size_t klen = strlen(key);
    const char *p = args;

    while (p != NULL && (p = strstr(p, key)) != NULL) {
        if ((p == args || p[-1] == ' ') && p[klen] == '=') {
            char *end;
            unsigned long v = strtoul(p + klen + 1, &end, 10);

            if (end == p + klen + 1 || (*end != '\0' && *end != ' ') ||
                v < lo || v > hi) {
                printf("media: bad %s, using %lu\n", key, def);
                return def;
            }
            return v;
        }
        p += klen;
    }
    return def;
}

static void media_report(const struct frames_cfg *cfg,
                         struct frames_result *res)
{
    uint64_t *lat = res->lat_ns;
    char p50[STATS_US_LEN];
    char p99[STATS_US_LEN];
    char max[STATS_US_LEN];
    char wmax[STATS_US_LEN];
    char wmean[STATS_US_LEN];
    uint64_t work_mean = res->samples ? res->work_sum_ns / res->samples : 0;

    stats_sort(lat, res->samples);
    printf("media: frames %u misses %u lat_us p50 %s p99 %s max %s\n",
           cfg->frames, res->misses,
           stats_fmt_us(p50, stats_percentile(lat, res->samples, 50)),
           stats_fmt_us(p99, stats_percentile(lat, res->samples, 99)),
           stats_fmt_us(max, res->samples ? lat[res->samples - 1] : 0));
    printf("media: ran %u skipped %u work_us mean %s max %s\n", res->samples,
           res->skipped, stats_fmt_us(wmean, work_mean),
           stats_fmt_us(wmax, res->work_max_ns));
    stats_print_hist("media:", lat, res->samples);
}

int main(void *dtb)
{
    const char *args = dtb_valid(dtb) ? dtb_bootargs(dtb) : NULL;
    unsigned long period_us =
        media_arg(args, "period_us", MEDIA_PERIOD_US, 1, MEDIA_US_MAX);
    unsigned long work_us =
        media_arg(args, "work_us", MEDIA_WORK_US, 0, MEDIA_US_MAX);
    struct frames_cfg cfg = {
        .period_ns = period_us * CLOCK_NS_PER_US,
        .frames = (unsigned int)media_arg(args, "frames", MEDIA_FRAMES, 1,
                                          FRAMES_MAX),
    };
    struct frames_result res;
    struct work_calib calib;

    test_begin("media");
    clock_init();
    printf("media: period_us %lu work_us %lu frames %u counter %lu Hz\n",
           period_us, work_us, cfg.frames, (unsigned long)clock_freq());
    calib = work_calibrate();
    cfg.work_iters = work_iters_for(&calib, work_us * CLOCK_NS_PER_US);
    printf("media: calibrated %lu iterations in %lu ns (fastest of %u), "
           "%lu iterations per frame\n",
           (unsigned long)calib.trial_iters, (unsigned long)calib.best_ns,
           calib.trials, (unsigned long)cfg.work_iters);
    fflush(stdout);

    frames_run(&cfg, &res);
    media_report(&cfg, &res);
    test_report("no-misses", res.misses == 0);
    return test_summary();
}
