/* SPDX-License-Identifier: MIT */
/*
 * Tests of sched/credit.c (and sched_set_vm_params in sched/core.c),
 * built unchanged for the host and driven with simulated time: a small
 * loop calls pick_next, lets the chosen unit run for run_ns or until the
 * next simulated event, and checks the resulting shares and latencies.
 */
#include "harness.h"
#include "sched_env.h"

#include <sched/sched.h>

#define MS 1000000ULL
#define US 1000ULL
#define TICK_NS ((uint64_t)CONFIG_SCHED_CREDIT_TICK_MS * MS)
#define TSLICE_NS ((uint64_t)CONFIG_SCHED_CREDIT_TSLICE_MS * MS)
#define RATELIMIT_NS ((uint64_t)CONFIG_SCHED_CREDIT_RATELIMIT_US * US)

#define NR_UNITS 4

struct fixture {
    struct scheduler s;
    struct sched_unit u[NR_UNITS];
};

/* Unit i belongs to VM i, all on CPU 0. */
static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    unsigned int i;

    if (f == NULL || sched_init(&f->s, "credit", 2, &test_sched_env) != 0) {
        free(f);
        return -1;
    }
    for (i = 0; i < NR_UNITS; i++) {
        f->u[i].vm_id = i;
        f->u[i].vcpu_id = 0;
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

/* Runs CPU 0 with always-runnable units from now to end; returns end. */
static uint64_t run_hogs(struct fixture *f, uint64_t now, uint64_t end)
{
    while (now < end) {
        struct sched_decision d = sched_pick_next(&f->s, 0, now);

        assert_non_null(d.unit);
        assert_true(d.run_ns > 0 && d.run_ns <= TSLICE_NS);
        now += d.run_ns < end - now ? d.run_ns : end - now;
    }
    sched_pick_next(&f->s, 0, now);
    return now;
}

static void test_registered(void **state)
{
    struct scheduler s;

    assert_non_null(sched_find("credit"));
    assert_int_equal(sched_init(&s, "credit", SCHED_MAX_CPUS, &test_sched_env),
                     0);
    assert_string_equal(s.ops->name, "credit");
    sched_dump(&s);
    sched_deinit(&s);
    assert_int_equal(test_sched_live_allocs, 0);
}

static void test_set_vm_params_errors(void **state)
{
    struct fixture *f = *state;
    struct scheduler rr;

    assert_int_equal(sched_set_vm_params(&f->s, 0, 0, 0), -22);
    assert_int_equal(sched_set_vm_params(&f->s, 0, 65536, 0), -22);
    assert_int_equal(sched_set_vm_params(&f->s, 0, 256, 101), -22);
    assert_int_equal(sched_set_vm_params(&f->s, 100000, 256, 0), -22);
    assert_int_equal(sched_set_vm_params(&f->s, 0, 1, 100), 0);
    assert_int_equal(sched_set_vm_params(&f->s, 1, 65535, 0), 0);
    /* A policy without the hook. */
    assert_int_equal(sched_init(&rr, "rr", 1, &test_sched_env), 0);
    assert_int_equal(sched_set_vm_params(&rr, 0, 256, 0), -22);
    sched_deinit(&rr);
    /* No instance at all. */
    assert_int_equal(sched_set_vm_params(&rr, 0, 256, 0), -22);
}

static void test_insert_bad_vm(void **state)
{
    struct fixture *f = *state;
    struct sched_unit u = {.vm_id = 100000};

    assert_int_equal(sched_insert(&f->s, &u), -22);
    assert_null(u.priv);
}

static void test_idle(void **state)
{
    struct fixture *f = *state;
    struct sched_decision d = sched_pick_next(&f->s, 0, 0);

    assert_null(d.unit);
    assert_int_equal(d.run_ns, 0);
}

static void test_lone_unit(void **state)
{
    struct fixture *f = *state;
    struct sched_decision d;
    uint64_t now = 5 * MS;
    unsigned int i;

    sched_wake(&f->s, &f->u[0], now);
    for (i = 0; i < 20; i++) {
        d = sched_pick_next(&f->s, 0, now);
        assert_ptr_equal(d.unit, &f->u[0]);
        /* Comes back by the next accounting boundary. */
        assert_true(d.run_ns > 0 && d.run_ns <= TICK_NS);
        assert_int_equal(now / TICK_NS, (now + d.run_ns - 1) / TICK_NS);
        now += d.run_ns;
    }
    /* Yielding with nobody else runnable keeps it on the CPU. */
    sched_yield_unit(&f->s, &f->u[0], now);
    d = sched_pick_next(&f->s, 0, now + MS);
    assert_ptr_equal(d.unit, &f->u[0]);
    sched_sleep(&f->s, &f->u[0], now + 2 * MS);
    d = sched_pick_next(&f->s, 0, now + 2 * MS);
    assert_null(d.unit);
    assert_int_equal(f->u[0].run_ns, now + 2 * MS - 5 * MS);
}

static void test_equal_weights_share(void **state)
{
    struct fixture *f = *state;
    uint64_t now;
    unsigned int i;

    for (i = 0; i < 2; i++) {
        sched_wake(&f->s, &f->u[i], 0);
    }
    now = run_hogs(f, 0, 2000 * MS);
    assert_int_equal(f->u[0].run_ns + f->u[1].run_ns, now);
    for (i = 0; i < 2; i++) {
        assert_true(f->u[i].run_ns + TSLICE_NS >= now / 2);
        assert_true(f->u[i].run_ns <= now / 2 + TSLICE_NS);
    }
}

/* Within 5 % of the expected share. */
static void assert_share(uint64_t got, uint64_t total, unsigned int num,
                         unsigned int den)
{
    uint64_t want = total * num / den;
    uint64_t slack = want / 20;

    if (got + slack < want || got > want + slack) {
        print_error("got %llu ns, want %llu +- %llu\n", (unsigned long long)got,
                    (unsigned long long)want, (unsigned long long)slack);
        fail();
    }
}

static void test_weights_1_2_3(void **state)
{
    struct fixture *f = *state;
    uint64_t now;
    unsigned int i;

    for (i = 0; i < 3; i++) {
        assert_int_equal(sched_set_vm_params(&f->s, i, 256 * (i + 1), 0), 0);
        sched_wake(&f->s, &f->u[i], 0);
    }
    now = run_hogs(f, 0, 10000 * MS);
    assert_int_equal(f->u[0].run_ns + f->u[1].run_ns + f->u[2].run_ns, now);
    for (i = 0; i < 3; i++) {
        assert_share(f->u[i].run_ns, now, i + 1, 6);
    }
}

static void test_cap_with_hog(void **state)
{
    struct fixture *f = *state;
    const uint64_t window = 100 * MS;
    const uint64_t end = 10000 * MS;
    uint64_t in_window = 0;
    uint64_t window_start = 0;
    uint64_t now = 0;
    uint64_t capped_before;

    assert_int_equal(sched_set_vm_params(&f->s, 0, 256, 25), 0);
    /* The capped VM even has the larger weight. */
    assert_int_equal(sched_set_vm_params(&f->s, 0, 1024, 25), 0);
    sched_wake(&f->s, &f->u[0], 0);
    sched_wake(&f->s, &f->u[1], 0);
    while (now < end) {
        struct sched_decision d = sched_pick_next(&f->s, 0, now);
        uint64_t step;

        assert_non_null(d.unit);
        step = d.run_ns;
        if (now + step > window_start + window) {
            step = window_start + window - now;
        }
        if (d.unit == &f->u[0]) {
            in_window += step;
        }
        now += step;
        if (now == window_start + window) {
            assert_true(in_window <= window / 4 + TICK_NS);
            window_start = now;
            in_window = 0;
        }
    }
    sched_pick_next(&f->s, 0, now);
    assert_true(f->u[0].run_ns <= end / 4 + TICK_NS);
    /* Work conserving: the hog got the rest. */
    assert_int_equal(f->u[0].run_ns + f->u[1].run_ns, end);
    assert_share(f->u[0].run_ns, end, 1, 4);

    /* Alone, the capped VM still gets no more than its cap: the CPU idles,
     * and the caller is told when to come back. */
    sched_sleep(&f->s, &f->u[1], now);
    capped_before = f->u[0].run_ns;
    while (now < 2 * end) {
        struct sched_decision d = sched_pick_next(&f->s, 0, now);

        assert_true(d.run_ns > 0);
        now += d.run_ns;
    }
    sched_pick_next(&f->s, 0, now);
    assert_true(f->u[0].run_ns - capped_before <= end / 4 + TICK_NS);
    assert_share(f->u[0].run_ns - capped_before, end, 1, 4);
}

/* An I/O-bound unit (runs 0.5 ms, blocks 10 ms) against a hog: every
 * wake-up is served at once, in simulated time. The first wake-up comes
 * after the hog's first tick: until then the hog, just woken itself, is
 * BOOST too, and BOOST does not preempt BOOST. */
static void test_boost_wake_latency(void **state)
{
    struct fixture *f = *state;
    struct sched_unit *hog = &f->u[0];
    struct sched_unit *io = &f->u[1];
    const uint64_t end = 5000 * MS;
    uint64_t next_wake = 13 * MS;
    uint64_t burst_left = 0;
    unsigned int wakes = 0;
    uint64_t now = 0;

    sched_wake(&f->s, hog, 0);
    while (now < end) {
        struct sched_decision d = sched_pick_next(&f->s, 0, now);
        uint64_t step = d.run_ns;

        assert_non_null(d.unit);
        if (d.unit == io) {
            if (step >= burst_left) {
                now += burst_left;
                burst_left = 0;
                sched_sleep(&f->s, io, now);
                next_wake = now + 10 * MS;
            } else {
                burst_left -= step;
                now += step;
            }
            continue;
        }
        assert_ptr_equal(d.unit, hog);
        if (now + step >= next_wake) {
            now = next_wake;
            burst_left = 500 * US;
            sched_wake(&f->s, io, now);
            wakes++;
            d = sched_pick_next(&f->s, 0, now);
            /* Wake-to-run latency 0. */
            if (d.unit != io) {
                print_error("wake %u at %llu\n", wakes,
                            (unsigned long long)now);
            }
            assert_ptr_equal(d.unit, io);
            now += d.run_ns < burst_left ? d.run_ns : burst_left;
            burst_left -= d.run_ns < burst_left ? d.run_ns : burst_left;
            if (burst_left == 0) {
                sched_sleep(&f->s, io, now);
                next_wake = now + 10 * MS;
            }
        } else {
            now += step;
        }
    }
    sched_pick_next(&f->s, 0, now);
    assert_true(wakes > 400);
    assert_int_equal(io->run_ns, (uint64_t)wakes * 500 * US - burst_left);
    assert_int_equal(hog->run_ns + io->run_ns, now);
}

/* Picks on CPU 0 at now and checks the choice and run time. */
static void expect_pick(struct fixture *f, uint64_t now,
                        struct sched_unit *want, uint64_t run_ns)
{
    struct sched_decision d = sched_pick_next(&f->s, 0, now);

    assert_ptr_equal(d.unit, want);
    assert_int_equal(d.run_ns, run_ns);
}

/* Two equal hogs, stepped by hand. Each gets 5 ms of credit per 10 ms
 * tick and pays for the time it runs. */
static void test_priorities_and_ratelimit(void **state)
{
    struct fixture *f = *state;
    struct sched_unit *a = &f->u[0];
    struct sched_unit *b = &f->u[1];

    sched_wake(&f->s, a, 0);
    sched_wake(&f->s, b, 0);
    /* Both BOOST (woken with credit 0): FIFO order. */
    expect_pick(f, 0, a, TICK_NS);
    /* The tick ends a's boost and leaves it OVER (-5 ms); b, still
     * BOOST, takes over. */
    expect_pick(f, 10 * MS, b, TICK_NS);
    /* Both at 0 credit, UNDER: b keeps its slice. */
    expect_pick(f, 20 * MS, b, TICK_NS);
    /* b OVER (-5 ms), a UNDER (+5 ms): a preempts b. */
    expect_pick(f, 30 * MS, a, TICK_NS);
    /* a yields at 39.5 ms, both OVER: b runs up to the tick. */
    sched_yield_unit(&f->s, a, 39 * MS + 500 * US);
    expect_pick(f, 39 * MS + 500 * US, b, 500 * US);
    /* After the tick a is UNDER (+0.5 ms), b OVER (-0.5 ms), but b has
     * run 0.5 ms only: the rate limit keeps it for another 0.5 ms. */
    expect_pick(f, 40 * MS, b, RATELIMIT_NS - 500 * US);
    expect_pick(f, 40 * MS + RATELIMIT_NS - 500 * US, a,
                TICK_NS - (RATELIMIT_NS - 500 * US));
    /* A BOOST wake-up is not rate limited: c preempts a at once. */
    sched_wake(&f->s, &f->u[2], 40 * MS + RATELIMIT_NS - 400 * US);
    expect_pick(f, 40 * MS + RATELIMIT_NS - 400 * US, &f->u[2],
                TICK_NS - (RATELIMIT_NS - 400 * US));
    assert_int_equal(a->run_ns, 10 * MS + 9 * MS + 500 * US + 100 * US);
    assert_int_equal(b->run_ns, 20 * MS + 500 * US + RATELIMIT_NS - 500 * US);
}

static void test_yield_switches(void **state)
{
    struct fixture *f = *state;

    sched_wake(&f->s, &f->u[0], 0);
    sched_wake(&f->s, &f->u[1], 0);
    expect_pick(f, 0, &f->u[0], TICK_NS);
    /* Same priority (BOOST): a yield lets the other run. */
    sched_yield_unit(&f->s, &f->u[0], 2 * MS);
    expect_pick(f, 2 * MS, &f->u[1], TICK_NS - 2 * MS);
    /* Alone, a yielding unit keeps the CPU. */
    sched_sleep(&f->s, &f->u[0], 3 * MS);
    sched_yield_unit(&f->s, &f->u[1], 4 * MS);
    expect_pick(f, 4 * MS, &f->u[1], TICK_NS - 4 * MS);
}

/* A capped VM alone on its CPU: parked at its budget, the CPU idles until
 * the next period and says so. */
static void test_cap_parks_until_next_period(void **state)
{
    struct fixture *f = *state;
    struct sched_decision d;

    assert_int_equal(sched_set_vm_params(&f->s, 0, 256, 30), 0);
    sched_wake(&f->s, &f->u[0], 0);
    expect_pick(f, 0, &f->u[0], 3 * MS);
    d = sched_pick_next(&f->s, 0, 3 * MS);
    assert_null(d.unit);
    assert_int_equal(d.run_ns, 7 * MS);
    expect_pick(f, 10 * MS, &f->u[0], 3 * MS);
    /* An uncapped VM wakes (BOOST, so at once) and uses the rest of the
     * period; u0 still has 2 ms of budget but is not preempted back. */
    sched_wake(&f->s, &f->u[1], 11 * MS);
    expect_pick(f, 11 * MS, &f->u[1], 9 * MS);
    expect_pick(f, 20 * MS, &f->u[0], 3 * MS);
    assert_int_equal(f->u[0].run_ns, 4 * MS);
    assert_int_equal(f->u[1].run_ns, 9 * MS);
}

static void test_remove_running(void **state)
{
    struct fixture *f = *state;
    struct sched_decision d;

    sched_wake(&f->s, &f->u[0], 0);
    sched_wake(&f->s, &f->u[1], 0);
    d = sched_pick_next(&f->s, 0, 0);
    assert_ptr_equal(d.unit, &f->u[0]);
    sched_remove(&f->s, &f->u[0]);
    assert_null(f->u[0].priv);
    d = sched_pick_next(&f->s, 0, MS);
    assert_ptr_equal(d.unit, &f->u[1]);
    assert_int_equal(f->u[0].run_ns, 0);
    assert_int_equal(sched_insert(&f->s, &f->u[0]), 0);
}

static void test_cpus_independent(void **state)
{
    struct fixture *f = *state;
    uint64_t now = 0;

    f->u[2].cpu = 1;
    f->u[3].cpu = 1;
    sched_wake(&f->s, &f->u[0], 0);
    sched_wake(&f->s, &f->u[2], 0);
    sched_wake(&f->s, &f->u[3], 0);
    while (now < 1000 * MS) {
        struct sched_decision d0 = sched_pick_next(&f->s, 0, now);
        struct sched_decision d1 = sched_pick_next(&f->s, 1, now);

        assert_ptr_equal(d0.unit, &f->u[0]);
        assert_non_null(d1.unit);
        now += d0.run_ns < d1.run_ns ? d0.run_ns : d1.run_ns;
    }
    sched_pick_next(&f->s, 0, now);
    sched_pick_next(&f->s, 1, now);
    assert_int_equal(f->u[0].run_ns, now);
    assert_int_equal(f->u[2].run_ns + f->u[3].run_ns, now);
    assert_share(f->u[2].run_ns, now, 1, 2);
}

#define CR_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registered),
        CR_TEST(test_set_vm_params_errors),
        CR_TEST(test_insert_bad_vm),
        CR_TEST(test_idle),
        CR_TEST(test_lone_unit),
        CR_TEST(test_equal_weights_share),
        CR_TEST(test_weights_1_2_3),
        CR_TEST(test_cap_with_hog),
        CR_TEST(test_boost_wake_latency),
        CR_TEST(test_priorities_and_ratelimit),
        CR_TEST(test_cap_parks_until_next_period),
        CR_TEST(test_yield_switches),
        CR_TEST(test_remove_running),
        CR_TEST(test_cpus_independent),
    };

    return cmocka_run_group_tests_name("sched_credit", tests, NULL, NULL);
}
