/* SPDX-License-Identifier: MIT */
/*
 * Tests of the credit-rt policy (sched/credit.c with reservations, and the
 * reservation and parameter calls of sched/core.c): admission control,
 * EDF among reserved units, immediate preemption on wake, the fall back
 * to ordinary credit beyond the budget, and the trace events. A small
 * driver runs CPU 0 in simulated time with periodic tasks (wake every
 * period, run `work`, block) and always-runnable hogs.
 */
#include "harness.h"
#include "sched_env.h"

#include <sched/sched.h>

#define MS 1000000ULL
#define US 1000ULL
#define NR_UNITS 4
#define NEVER (~0ULL)

struct task {
    uint64_t period; /* 0 = hog, always runnable */
    uint64_t work;
    uint64_t next_release;
    uint64_t release; /* of the current job */
    uint64_t left;    /* work left in the current job */
    bool blocked;
    bool started; /* current job got the CPU */
    uint64_t ran;
    uint64_t max_latency;
    unsigned int misses;
};

struct fixture {
    struct scheduler s;
    struct sched_unit u[NR_UNITS];
    struct task t[NR_UNITS];
    unsigned int nr_tasks;
};

static unsigned int trace_counts[SCHED_EV_COUNT];

static void count_event(unsigned int cpu, uint64_t now, enum sched_event ev,
                        const struct sched_unit *u, uint64_t arg)
{
    assert_true((unsigned int)ev < SCHED_EV_COUNT);
    trace_counts[ev]++;
}

/* Unit i belongs to VM i, all on CPU 0, blocked; none is a task yet. */
static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct sched_env env = test_sched_env;
    unsigned int i;

    env.trace = count_event;
    memset(trace_counts, 0, sizeof(trace_counts));
    if (f == NULL || sched_init(&f->s, "credit-rt", 2, &env) != 0) {
        free(f);
        return -1;
    }
    for (i = 0; i < NR_UNITS; i++) {
        f->u[i].vm_id = i;
        if (sched_insert(&f->s, &f->u[i]) != 0) {
            return -1;
        }
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    int rc = test_sched_teardown(&f->s, f->u, NR_UNITS);

    free(f);
    return rc;
}

/* Makes unit i a task: periodic (first release at 0) or a hog. */
static void add_task(struct fixture *f, unsigned int i, uint64_t period,
                     uint64_t work)
{
    struct task *t = &f->t[i];

    t->period = period;
    t->work = work;
    t->blocked = true;
    t->next_release = 0;
    if (i >= f->nr_tasks) {
        f->nr_tasks = i + 1;
    }
}

static uint64_t min64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* Releases due jobs; wakes their units. */
static void release_jobs(struct fixture *f, uint64_t now)
{
    unsigned int i;

    for (i = 0; i < f->nr_tasks; i++) {
        struct task *t = &f->t[i];

        if (t->work == 0 || now < t->next_release) {
            continue;
        }
        if (!t->blocked) {
            t->misses++; /* previous job still running */
        }
        t->release = t->next_release;
        t->next_release = t->period != 0 ? t->release + t->period : NEVER;
        t->left = t->period != 0 ? t->work : NEVER;
        t->started = false;
        if (t->blocked) {
            t->blocked = false;
            sched_wake(&f->s, &f->u[i], now);
        }
    }
}

/* Runs CPU 0 from now to end; returns end. */
static uint64_t run(struct fixture *f, uint64_t now, uint64_t end)
{
    release_jobs(f, now);
    while (now < end) {
        struct sched_decision d = sched_pick_next(&f->s, 0, now);
        struct task *t = NULL;
        uint64_t until = end;
        unsigned int i;

        for (i = 0; i < f->nr_tasks; i++) {
            until = min64(until, f->t[i].next_release);
        }
        if (d.run_ns != 0) {
            until = min64(until, now + d.run_ns);
        }
        if (d.unit != NULL) {
            t = &f->t[d.unit - f->u];
            assert_false(t->blocked);
            if (!t->started) {
                t->started = true;
                t->max_latency = t->max_latency > now - t->release
                                     ? t->max_latency
                                     : now - t->release;
            }
            if (t->left != NEVER) {
                until = min64(until, now + t->left);
            }
        }
        assert_true(until > now);
        if (t != NULL) {
            t->ran += until - now;
            if (t->left != NEVER) {
                t->left -= until - now;
            }
            if (t->left == 0) {
                t->blocked = true;
                sched_sleep(&f->s, d.unit, until);
            }
        }
        now = until;
        release_jobs(f, now);
    }
    sched_pick_next(&f->s, 0, now);
    return now;
}

static void test_registered(void **state)
{
    struct scheduler s;
    struct sched_unit u = {0};
    struct sched_params p;

    assert_non_null(sched_find("credit-rt"));
    /* Plain credit has no reservations and no real-time share. */
    assert_int_equal(sched_init(&s, "credit", 1, &test_sched_env), 0);
    assert_int_equal(sched_insert(&s, &u), 0);
    assert_int_equal(sched_set_reservation(&s, &u, 10 * MS, 1 * MS), -22);
    sched_get_params(&s, &p);
    assert_int_equal(p.rt_share_pct, 0);
    assert_int_equal(p.tslice_us, CONFIG_SCHED_CREDIT_TSLICE_MS * 1000);
    sched_remove(&s, &u);
    sched_deinit(&s);
    /* rr has neither. */
    assert_int_equal(sched_init(&s, "rr", 1, &test_sched_env), 0);
    assert_int_equal(sched_insert(&s, &u), 0);
    assert_int_equal(sched_set_reservation(&s, &u, 10 * MS, 1 * MS), -22);
    sched_get_params(&s, &p);
    assert_int_equal(p.tick_us, 0);
    sched_remove(&s, &u);
    sched_deinit(&s);
    assert_int_equal(test_sched_live_allocs, 0);
}

static void test_reservation_errors(void **state)
{
    struct fixture *f = *state;
    struct sched_unit *u = &f->u[0];

    assert_int_equal(sched_set_reservation(&f->s, u, 50 * US, 10 * US), -22);
    assert_int_equal(sched_set_reservation(&f->s, u, 2000 * MS, 1 * MS), -22);
    assert_int_equal(sched_set_reservation(&f->s, u, 1 * MS, 2 * MS), -22);
    assert_int_equal(sched_set_reservation(&f->s, u, 1 * MS, 500), -22);
    assert_int_equal(sched_set_reservation(&f->s, u, 16667 * US, 4 * MS), 0);
    /* Removing twice is harmless. */
    assert_int_equal(sched_set_reservation(&f->s, u, 0, 0), 0);
    assert_int_equal(sched_set_reservation(&f->s, u, 0, 0), 0);
}

static void test_admission_control(void **state)
{
    struct fixture *f = *state;
    struct sched_unit other = {.cpu = 1, .vm_id = 9};
    struct sched_params p;

    /* 24.0 % + 10 % fit; another 50 % would make 84 % > 80 %. */
    assert_int_equal(sched_set_reservation(&f->s, &f->u[0], 16667 * US, 4 * MS),
                     0);
    assert_int_equal(sched_set_reservation(&f->s, &f->u[1], 5 * MS, 500 * US),
                     0);
    assert_int_equal(sched_set_reservation(&f->s, &f->u[2], 10 * MS, 5 * MS),
                     -28);
    assert_int_equal(sched_set_reservation(&f->s, &f->u[2], 10 * MS, 4500 * US),
                     0);
    /* 79.0 %: 1 % more fits exactly, 2 % is refused, on this CPU only. */
    assert_int_equal(sched_set_reservation(&f->s, &f->u[3], 100 * MS, 2 * MS),
                     -28);
    assert_int_equal(sched_insert(&f->s, &other), 0);
    assert_int_equal(sched_set_reservation(&f->s, &other, 10 * MS, 8 * MS), 0);
    /* Growing a reservation counts it once; shrinking frees the rest. */
    assert_int_equal(sched_set_reservation(&f->s, &f->u[2], 10 * MS, 4600 * US),
                     0);
    assert_int_equal(sched_set_reservation(&f->s, &f->u[2], 10 * MS, 3500 * US),
                     0);
    assert_int_equal(sched_set_reservation(&f->s, &f->u[3], 100 * MS, 2 * MS),
                     0);
    /* The share cannot drop below what is admitted, nor exceed 95 %. */
    sched_get_params(&f->s, &p);
    assert_int_equal(p.rt_share_pct, CONFIG_SCHED_CREDIT_RT_SHARE_PCT);
    p.rt_share_pct = 50;
    assert_int_equal(sched_set_params(&f->s, &p), -28);
    p.rt_share_pct = 96;
    assert_int_equal(sched_set_params(&f->s, &p), -22);
    p.rt_share_pct = 95;
    assert_int_equal(sched_set_params(&f->s, &p), 0);
    assert_int_equal(sched_set_reservation(&f->s, &f->u[3], 100 * MS, 16 * MS),
                     0);
    /* Removing a unit releases its bandwidth. */
    sched_remove(&f->s, &other);
    assert_int_equal(sched_insert(&f->s, &other), 0);
    assert_int_equal(sched_set_reservation(&f->s, &other, 10 * MS, 9 * MS), 0);
    sched_remove(&f->s, &other);
}

static void test_params(void **state)
{
    struct fixture *f = *state;
    struct sched_params p;

    sched_get_params(&f->s, &p);
    assert_int_equal(p.tick_us, CONFIG_SCHED_CREDIT_TICK_MS * 1000);
    assert_int_equal(p.ratelimit_us, CONFIG_SCHED_CREDIT_RATELIMIT_US);
    p.tslice_us = 5000;
    p.ratelimit_us = 0;
    assert_int_equal(sched_set_params(&f->s, &p), 0);
    /* The accounting period is fixed once units exist. */
    p.tick_us = 5000;
    assert_int_equal(sched_set_params(&f->s, &p), -22);
    p.tick_us = CONFIG_SCHED_CREDIT_TICK_MS * 1000;
    p.tslice_us = 10;
    assert_int_equal(sched_set_params(&f->s, &p), -22);
    sched_get_params(&f->s, &p);
    assert_int_equal(p.tslice_us, 5000);
    assert_int_equal(p.ratelimit_us, 0);
}

/* A woken reserved unit takes the CPU at once, even from a BOOST unit
 * that has just been picked, which plain credit would not preempt. */
static void test_wake_preempts_at_once(void **state)
{
    struct fixture *f = *state;
    struct sched_decision d;

    assert_int_equal(sched_set_reservation(&f->s, &f->u[0], 10 * MS, 2 * MS),
                     0);
    sched_wake(&f->s, &f->u[1], 0); /* boosted */
    d = sched_pick_next(&f->s, 0, 0);
    assert_ptr_equal(d.unit, &f->u[1]);
    sched_wake(&f->s, &f->u[0], 10 * US);
    d = sched_pick_next(&f->s, 0, 10 * US);
    assert_ptr_equal(d.unit, &f->u[0]);
    assert_true(d.run_ns > 0 && d.run_ns <= 2 * MS);
    assert_int_equal(trace_counts[SCHED_EV_REPLENISH], 1);
    assert_true(trace_counts[SCHED_EV_SWITCH_IN] >= 2);
    assert_int_equal(trace_counts[SCHED_EV_SWITCH_OUT], 1);
    sched_sleep(&f->s, &f->u[0], 20 * US);
    d = sched_pick_next(&f->s, 0, 20 * US);
    assert_ptr_equal(d.unit, &f->u[1]);
}

/* Earliest deadline first among reserved units. */
static void test_edf_order(void **state)
{
    struct fixture *f = *state;
    struct sched_decision d;

    assert_int_equal(sched_set_reservation(&f->s, &f->u[0], 20 * MS, 2 * MS),
                     0);
    assert_int_equal(sched_set_reservation(&f->s, &f->u[1], 10 * MS, 2 * MS),
                     0);
    sched_wake(&f->s, &f->u[2], 0);
    d = sched_pick_next(&f->s, 0, 0);
    assert_ptr_equal(d.unit, &f->u[2]);
    sched_wake(&f->s, &f->u[0], 1 * MS);
    sched_wake(&f->s, &f->u[1], 1 * MS);
    d = sched_pick_next(&f->s, 0, 1 * MS);
    assert_ptr_equal(d.unit, &f->u[1]); /* deadline 11 ms < 21 ms */
    sched_sleep(&f->s, &f->u[1], 2 * MS);
    d = sched_pick_next(&f->s, 0, 2 * MS);
    assert_ptr_equal(d.unit, &f->u[0]);
    sched_sleep(&f->s, &f->u[0], 3 * MS);
    d = sched_pick_next(&f->s, 0, 3 * MS);
    assert_ptr_equal(d.unit, &f->u[2]);
}

/* A media task (60 fps, 4 ms) with 3 hogs: admitted, it never misses and
 * runs the moment it wakes; under the same load without its reservation
 * (credit semantics only) it waits behind the hogs. */
static void test_media_with_three_hogs(void **state)
{
    struct fixture *f = *state;
    unsigned int i;

    assert_int_equal(
        sched_set_reservation(&f->s, &f->u[0], 16667 * US, 4500 * US), 0);
    add_task(f, 0, 16667 * US, 4 * MS);
    for (i = 1; i < 4; i++) {
        add_task(f, i, 0, 0);
        f->t[i].work = 1; /* hog: released once, never ends */
    }
    run(f, 0, 10000 * MS);
    assert_int_equal(f->t[0].misses, 0);
    assert_int_equal(f->t[0].max_latency, 0);
    /* It got its work, the hogs shared the rest evenly. */
    assert_in_range(f->t[0].ran, 599 * 4 * MS, 601 * 4 * MS);
    for (i = 2; i < 4; i++) {
        assert_in_range(f->t[i].ran * 100 / f->t[1].ran, 95, 105);
    }
    assert_int_equal(trace_counts[SCHED_EV_BUDGET_OUT], 0);
}

static void test_media_without_reservation_waits(void **state)
{
    struct fixture *f = *state;
    unsigned int i;

    add_task(f, 0, 16667 * US, 4 * MS);
    for (i = 1; i < 4; i++) {
        add_task(f, i, 0, 0);
        f->t[i].work = 1;
    }
    run(f, 0, 10000 * MS);
    /* BOOST helps only while its credit lasts: 4 ms every 16.7 ms is
     * about 24 %, just under the 25 % a quarter of the weight gives. */
    assert_true(f->t[0].max_latency > 0);
}

/* Over budget, a reserved unit is ordinary: after its budget it gives the
 * CPU to a waiting hog of the same priority, and gets the RT priority
 * back only with the next period's budget. */
static void test_over_budget_drops_to_ordinary(void **state)
{
    struct fixture *f = *state;
    struct sched_decision d;
    uint64_t now;

    assert_int_equal(sched_set_reservation(&f->s, &f->u[0], 10 * MS, 2 * MS),
                     0);
    sched_wake(&f->s, &f->u[1], 0);
    sched_wake(&f->s, &f->u[0], 0);
    d = sched_pick_next(&f->s, 0, 0);
    assert_ptr_equal(d.unit, &f->u[0]);
    assert_int_equal(d.run_ns, 2 * MS);
    d = sched_pick_next(&f->s, 0, 2 * MS);
    assert_int_equal(trace_counts[SCHED_EV_BUDGET_OUT], 1);
    assert_ptr_equal(d.unit, &f->u[1]);
    /* The hog is sent back at the refill, 10 ms after the period began. */
    assert_int_equal(d.run_ns, 8 * MS);
    d = sched_pick_next(&f->s, 0, 10 * MS);
    assert_ptr_equal(d.unit, &f->u[0]);
    assert_int_equal(d.run_ns, 2 * MS);
    /* Over 1 s, the always-runnable reserved unit holds at least its 20 %
     * but does not starve the hog. */
    add_task(f, 0, 0, 1);
    add_task(f, 1, 0, 1);
    f->t[0].blocked = false;
    f->t[1].blocked = false;
    f->t[0].left = f->t[1].left = NEVER;
    f->t[0].next_release = f->t[1].next_release = NEVER;
    now = run(f, 10 * MS, 1010 * MS);
    assert_int_equal(now, 1010 * MS);
    assert_true(f->t[0].ran >= 200 * MS);
    assert_true(f->t[1].ran >= 300 * MS);
}

/* Ordinary units share what reservations leave by weight. */
static void test_hogs_weights_under_reservation(void **state)
{
    struct fixture *f = *state;
    uint64_t a;
    uint64_t b;

    assert_int_equal(sched_set_vm_params(&f->s, 2, 512, 0), 0);
    assert_int_equal(sched_set_reservation(&f->s, &f->u[0], 5 * MS, 1 * MS), 0);
    add_task(f, 0, 5 * MS, 900 * US);
    add_task(f, 1, 0, 1);
    add_task(f, 2, 0, 1);
    run(f, 0, 10000 * MS);
    a = f->t[1].ran;
    b = f->t[2].ran;
    assert_int_equal(f->t[0].misses, 0);
    assert_int_equal(f->t[0].max_latency, 0);
    assert_in_range(b * 100 / a, 190, 210);
}

#define RT_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registered),
        RT_TEST(test_reservation_errors),
        RT_TEST(test_admission_control),
        RT_TEST(test_params),
        RT_TEST(test_wake_preempts_at_once),
        RT_TEST(test_edf_order),
        RT_TEST(test_media_with_three_hogs),
        RT_TEST(test_media_without_reservation_waits),
        RT_TEST(test_over_budget_drops_to_ordinary),
        RT_TEST(test_hogs_weights_under_reservation),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
