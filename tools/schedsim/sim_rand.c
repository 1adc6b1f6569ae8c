/* SPDX-License-Identifier: MIT */
/*
 * schedsim random numbers: splitmix64 streams and exponential samples.
 * Computed with integer arithmetic and a self-contained logarithm (no
 * libm), so a seed gives the same times on every host and libc.
 */
#include "sim_internal.h"

#define SIM_LN2 0.69314718055994530942

/* Natural logarithm of x, 0 < x <= 1. */
static double sim_ln_unit(double x)
{
    double z, z2, term, sum = 0.0;
    int halvings = 0;
    int k;

    while (x < 0.5) {
        x *= 2.0;
        halvings++;
    }
    /* ln x = 2 atanh(z) with z = (x - 1) / (x + 1), |z| <= 1/3 here, so
     * 21 terms of z^k / k reach double precision. */
    z = (x - 1.0) / (x + 1.0);
    z2 = z * z;
    term = z;
    for (k = 1; k <= 41; k += 2) {
        sum += term / k;
        term *= z2;
    }
    return 2.0 * sum - halvings * SIM_LN2;
}

uint64_t sim_rand_seed(uint64_t seed, unsigned int stream)
{
    uint64_t s = seed ^ ((uint64_t)stream * 0xd1b54a32d192ed03ULL);

    /* One step mixes seeds that differ in few bits. */
    sim_rand_next(&s);
    return s;
}

uint64_t sim_rand_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t sim_rand_exp(uint64_t *state, uint64_t mean_ns)
{
    /* u in (0, 1]: 53 random bits, never 0. */
    double u = (double)((sim_rand_next(state) >> 11) + 1) / 9007199254740992.0;
    double t = -(double)mean_ns * sim_ln_unit(u);

    if (t < 1.0) {
        return 1;
    }
    if (t > 1e18) {
        return (uint64_t)1e18;
    }
    return (uint64_t)(t + 0.5);
}
