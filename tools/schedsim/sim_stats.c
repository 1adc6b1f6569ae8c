/* SPDX-License-Identifier: MIT */
/*
 * schedsim latency samples: a growable array per vCPU, sorted on demand
 * for nearest-rank percentiles, and the latency.csv bucket edges.
 */
#include <stdlib.h>

#include "sim_internal.h"

void sim_lat_add(struct sim_lat *l, uint64_t ns)
{
    if (ns > l->max) {
        l->max = ns;
    }
    if (l->n == l->cap) {
        uint64_t cap = l->cap != 0 ? l->cap * 2 : 256;
        uint64_t *v = realloc(l->v, cap * sizeof(*v));

        if (v == NULL) {
            return; /* out of memory: the sample is lost, max is kept */
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = ns;
}

static int sim_lat_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a;
    uint64_t y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

void sim_lat_sort(struct sim_lat *l)
{
    if (l->n > 1) {
        qsort(l->v, l->n, sizeof(*l->v), sim_lat_cmp);
    }
}

/* Nearest rank: the smallest sample >= pct percent of all; l sorted. */
uint64_t sim_lat_percentile(const struct sim_lat *l, unsigned int pct)
{
    uint64_t rank;

    if (l->n == 0) {
        return 0;
    }
    rank = (l->n * pct + 99) / 100;
    return l->v[rank > 0 ? rank - 1 : 0];
}

void sim_lat_free(struct sim_lat *l)
{
    free(l->v);
    l->v = NULL;
    l->n = 0;
    l->cap = 0;
}

uint64_t sim_lat_bucket_us(uint64_t lat_ns)
{
    uint64_t us = lat_ns / 1000;

    if (us < 100) {
        return us;
    }
    if (us < 1000) {
        return us / 10 * 10;
    }
    if (us < 10000) {
        return us / 100 * 100;
    }
    return us / 1000 * 1000;
}
