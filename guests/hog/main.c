/* SPDX-License-Identifier: MIT */
/*
 * hog: a CPU-bound guest. It never blocks, yields or sleeps: it spins for
 * a fixed amount of virtual time (bootargs "spin_ms=N", 1..HOG_MAX_MS,
 * default 200), counting loop iterations, and prints a progress line every
 * 50 ms and its total at the end. Two hogs on one physical CPU only make
 * progress side by side if Shoji preempts them with its own timer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtb.h"
#include "hvc.h"
#include "runtime.h"
#include "test.h"
#include "timer.h"

#define HOG_DEFAULT_MS 200U
#define HOG_PROGRESS_MS 50U
/* 1000 s of virtual time: enough for long benchmark runs. */
#define HOG_MAX_MS 1000000U

static unsigned int hog_spin_ms(void *dtb)
{
    const char *args = dtb_valid(dtb) ? dtb_bootargs(dtb) : NULL;
    const char *p = args != NULL ? strstr(args, "spin_ms=") : NULL;
    unsigned long ms;

    if (p == NULL) {
        return HOG_DEFAULT_MS;
    }
    ms = strtoul(p + strlen("spin_ms="), NULL, 10);
    return ms > 0 && ms <= HOG_MAX_MS ? (unsigned int)ms : HOG_DEFAULT_MS;
}

int main(void *dtb)
{
    unsigned int spin_ms = hog_spin_ms(dtb);
    uint64_t start = timer_now();
    uint64_t end = start + timer_us_to_ticks((uint64_t)spin_ms * 1000);
    uint64_t next = start + timer_us_to_ticks(HOG_PROGRESS_MS * 1000);
    uint64_t iterations = 0;
    unsigned int reports = 0;
    uint64_t now;

    test_begin("hog");
    printf("hog: spinning for %u ms\n", spin_ms);
    while ((now = timer_now()) < end) {
        iterations++;
        if (now >= next) {
            reports++;
            printf("hog: progress %u at %lu us, %lu iterations\n", reports,
                   (unsigned long)timer_ticks_to_us(now - start),
                   (unsigned long)iterations);
            next += timer_us_to_ticks(HOG_PROGRESS_MS * 1000);
        }
    }
    printf("hog: done, %lu iterations in %u ms\n", (unsigned long)iterations,
           spin_ms);
    test_report("spun", iterations > 0);
    return test_summary();
}
