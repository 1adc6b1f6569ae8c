/* SPDX-License-Identifier: MIT */
/* Scheduler environment for the sched/ tests; see sched_env.h. */
#include <stdlib.h>

#include "sched_env.h"

unsigned int test_sched_live_allocs;

static void *env_zalloc(size_t size)
{
    test_sched_live_allocs++;
    return calloc(1, size);
}

static void env_free(void *p)
{
    if (p != NULL) {
        test_sched_live_allocs--;
    }
    free(p);
}

static void env_print(const char *fmt, ...)
{
    (void)fmt;
}

const struct sched_env test_sched_env = {
    .zalloc = env_zalloc,
    .free = env_free,
    .print = env_print,
};
