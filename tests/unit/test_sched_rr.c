/* SPDX-License-Identifier: MIT */
/*
 * Tests of sched/core.c and sched/rr.c, built unchanged for the host:
 * policy lookup and validation through the sched_ops section, and the
 * round-robin behaviour driven with simulated time.
 */
#include "harness.h"
#include "sched_env.h"

#include <sched/sched.h>

#define SLICE_NS ((uint64_t)CONFIG_SCHED_RR_SLICE_US * 1000)
#define MS 1000000UL

/* A policy without pick_next: sched_init must refuse it. */
static int incomplete_init(struct scheduler *s)
{
    return 0;
}

static const struct sched_ops incomplete_ops = {
    .name = "incomplete",
    .init = incomplete_init,
};
SCHED_REGISTER(incomplete_ops);

#define NR_UNITS 4

struct fixture {
    struct scheduler s;
    struct sched_unit u[NR_UNITS];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    unsigned int i;

    if (f == NULL || sched_init(&f->s, "rr", 2, &test_sched_env) != 0) {
        free(f);
        return -1;
    }
    for (i = 0; i < NR_UNITS; i++) {
        f->u[i].vcpu_id = i;
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

static void test_init_names(void **state)
{
    struct scheduler s;
    struct sched_env no_alloc = test_sched_env;

    assert_non_null(sched_find("rr"));
    assert_null(sched_find("credit-nonexistent"));
    assert_int_equal(sched_init(&s, "nosuch", 1, &test_sched_env), -22);
    assert_null(s.ops);
    /* Registered, but missing a mandatory hook. */
    assert_non_null(sched_find("incomplete"));
    assert_int_equal(sched_init(&s, "incomplete", 1, &test_sched_env), -22);
    assert_null(s.ops);
    assert_int_equal(sched_init(&s, "rr", 0, &test_sched_env), -22);
    assert_int_equal(sched_init(&s, "rr", SCHED_MAX_CPUS + 1, &test_sched_env),
                     -22);
    assert_int_equal(sched_init(&s, "rr", 1, NULL), -22);
    no_alloc.zalloc = NULL;
    assert_int_equal(sched_init(&s, "rr", 1, &no_alloc), -22);
    assert_int_equal(sched_init(&s, "rr", SCHED_MAX_CPUS, &test_sched_env), 0);
    assert_string_equal(s.ops->name, "rr");
    assert_int_equal(s.nr_cpus, SCHED_MAX_CPUS);
    sched_dump(&s);
    sched_deinit(&s);
    assert_null(s.ops);
    assert_int_equal(test_sched_live_allocs, 0);
}

static void test_insert_bad_cpu(void **state)
{
    struct fixture *f = *state;
    struct sched_unit u = {.cpu = 2};

    assert_int_equal(sched_insert(&f->s, &u), -22);
    assert_null(u.priv);
}

static void test_idle_when_nothing_runnable(void **state)
{
    struct fixture *f = *state;
    struct sched_decision d = sched_pick_next(&f->s, 0, 0);

    assert_null(d.unit);
    assert_int_equal(d.run_ns, 0);
}

static void test_two_units_alternate(void **state)
{
    struct fixture *f = *state;
    struct sched_decision d;
    uint64_t now = 0;
    unsigned int i;

    sched_wake(&f->s, &f->u[0], now);
    sched_wake(&f->s, &f->u[1], now);
    for (i = 0; i < 10; i++) {
        d = sched_pick_next(&f->s, 0, now);
        assert_ptr_equal(d.unit, &f->u[i % 2]);
        assert_int_equal(d.run_ns, SLICE_NS);
        now += d.run_ns;
    }
    sched_pick_next(&f->s, 0, now);
    assert_int_equal(f->u[0].run_ns, 5 * SLICE_NS);
    assert_int_equal(f->u[1].run_ns, 5 * SLICE_NS);
}

static void test_early_pick_keeps_unit(void **state)
{
    struct fixture *f = *state;
    struct sched_decision d;

    sched_wake(&f->s, &f->u[0], 0);
    sched_wake(&f->s, &f->u[1], 0);
    d = sched_pick_next(&f->s, 0, 0);
    assert_ptr_equal(d.unit, &f->u[0]);
    /* Called again mid-slice (e.g. after an interrupt): same unit, the
     * rest of its slice. */
    d = sched_pick_next(&f->s, 0, 4 * MS);
    assert_ptr_equal(d.unit, &f->u[0]);
    assert_int_equal(d.run_ns, SLICE_NS - 4 * MS);
    d = sched_pick_next(&f->s, 0, SLICE_NS);
    assert_ptr_equal(d.unit, &f->u[1]);
    assert_int_equal(f->u[0].run_ns, SLICE_NS);
}

static void test_lone_unit_keeps_running(void **state)
{
    struct fixture *f = *state;
    struct sched_decision d;
    uint64_t now = 0;
    unsigned int i;

    sched_wake(&f->s, &f->u[2], now);
    for (i = 0; i < 5; i++) {
        d = sched_pick_next(&f->s, 0, now);
        assert_ptr_equal(d.unit, &f->u[2]);
        assert_int_equal(d.run_ns, SLICE_NS);
        now += SLICE_NS;
    }
    /* Yielding with nobody else runnable keeps it on the CPU. */
    sched_yield_unit(&f->s, &f->u[2], now);
    d = sched_pick_next(&f->s, 0, now + MS);
    assert_ptr_equal(d.unit, &f->u[2]);
    assert_true(d.run_ns > 0);
}

static void test_sleep_and_wake(void **state)
{
    struct fixture *f = *state;
    struct sched_decision d;
    uint64_t now = 0;

    sched_wake(&f->s, &f->u[0], now);
    sched_wake(&f->s, &f->u[1], now);
    sched_wake(&f->s, &f->u[2], now);
    d = sched_pick_next(&f->s, 0, now);
    assert_ptr_equal(d.unit, &f->u[0]);
    /* A queued unit sleeps: it leaves the rotation. */
    sched_sleep(&f->s, &f->u[1], now + MS);
    /* The running unit blocks (WFI): the next pick moves on at once. */
    now += 2 * MS;
    sched_sleep(&f->s, &f->u[0], now);
    d = sched_pick_next(&f->s, 0, now);
    assert_ptr_equal(d.unit, &f->u[2]);
    assert_int_equal(f->u[0].run_ns, 2 * MS);
    /* u1 wakes and goes to the tail, behind u0 who woke first. */
    sched_wake(&f->s, &f->u[0], now + MS);
    sched_wake(&f->s, &f->u[1], now + MS);
    now += SLICE_NS;
    d = sched_pick_next(&f->s, 0, now);
    assert_ptr_equal(d.unit, &f->u[0]);
    now += SLICE_NS;
    d = sched_pick_next(&f->s, 0, now);
    assert_ptr_equal(d.unit, &f->u[1]);
    now += SLICE_NS;
    d = sched_pick_next(&f->s, 0, now);
    assert_ptr_equal(d.unit, &f->u[2]);
    /* Waking a runnable unit again changes nothing. */
    sched_wake(&f->s, &f->u[2], now);
    sched_wake(&f->s, &f->u[0], now);
    now += SLICE_NS;
    d = sched_pick_next(&f->s, 0, now);
    assert_ptr_equal(d.unit, &f->u[0]);
    now += SLICE_NS;
    d = sched_pick_next(&f->s, 0, now);
    assert_ptr_equal(d.unit, &f->u[1]);
    now += SLICE_NS;
    d = sched_pick_next(&f->s, 0, now);
    assert_ptr_equal(d.unit, &f->u[2]);
}

static void test_all_asleep_idles(void **state)
{
    struct fixture *f = *state;
    struct sched_decision d;

    sched_wake(&f->s, &f->u[0], 0);
    d = sched_pick_next(&f->s, 0, 0);
    assert_ptr_equal(d.unit, &f->u[0]);
    sched_sleep(&f->s, &f->u[0], MS);
    d = sched_pick_next(&f->s, 0, MS);
    assert_null(d.unit);
    assert_int_equal(f->u[0].run_ns, MS);
    /* Idle time is charged to nobody. */
    sched_wake(&f->s, &f->u[0], 5 * MS);
    d = sched_pick_next(&f->s, 0, 5 * MS);
    assert_ptr_equal(d.unit, &f->u[0]);
    assert_int_equal(f->u[0].run_ns, MS);
}

static void test_sleep_then_wake_while_running(void **state)
{
    struct fixture *f = *state;
    struct sched_decision d;

    sched_wake(&f->s, &f->u[0], 0);
    sched_wake(&f->s, &f->u[1], 0);
    d = sched_pick_next(&f->s, 0, 0);
    assert_ptr_equal(d.unit, &f->u[0]);
    /* Blocks and is woken before the CPU reschedules. */
    sched_sleep(&f->s, &f->u[0], MS);
    sched_wake(&f->s, &f->u[0], 2 * MS);
    d = sched_pick_next(&f->s, 0, 3 * MS);
    assert_ptr_equal(d.unit, &f->u[0]);
    d = sched_pick_next(&f->s, 0, SLICE_NS);
    assert_ptr_equal(d.unit, &f->u[1]);
    d = sched_pick_next(&f->s, 0, 2 * SLICE_NS);
    assert_ptr_equal(d.unit, &f->u[0]);
}

static void test_yield(void **state)
{
    struct fixture *f = *state;
    struct sched_decision d;

    sched_wake(&f->s, &f->u[0], 0);
    sched_wake(&f->s, &f->u[1], 0);
    d = sched_pick_next(&f->s, 0, 0);
    assert_ptr_equal(d.unit, &f->u[0]);
    sched_yield_unit(&f->s, &f->u[0], MS);
    d = sched_pick_next(&f->s, 0, MS);
    assert_ptr_equal(d.unit, &f->u[1]);
    assert_int_equal(d.run_ns, SLICE_NS);
    d = sched_pick_next(&f->s, 0, MS + SLICE_NS);
    assert_ptr_equal(d.unit, &f->u[0]);
    /* The yield was used up: u0 gets a full slice now. */
    d = sched_pick_next(&f->s, 0, MS + SLICE_NS + MS);
    assert_ptr_equal(d.unit, &f->u[0]);
}

static void test_cpus_independent(void **state)
{
    struct fixture *f = *state;
    struct sched_decision d0;
    struct sched_decision d1;
    uint64_t now = 0;
    unsigned int i;

    f->u[2].cpu = 1; /* moved before it was ever woken */
    f->u[3].cpu = 1;
    sched_wake(&f->s, &f->u[0], now);
    sched_wake(&f->s, &f->u[2], now);
    sched_wake(&f->s, &f->u[3], now);
    for (i = 0; i < 6; i++) {
        d0 = sched_pick_next(&f->s, 0, now);
        d1 = sched_pick_next(&f->s, 1, now);
        assert_ptr_equal(d0.unit, &f->u[0]);
        assert_ptr_equal(d1.unit, &f->u[2 + i % 2]);
        now += SLICE_NS;
    }
    /* Sleeping on CPU 1 does not disturb CPU 0. */
    sched_sleep(&f->s, &f->u[2], now);
    sched_sleep(&f->s, &f->u[3], now);
    assert_null(sched_pick_next(&f->s, 1, now).unit);
    assert_ptr_equal(sched_pick_next(&f->s, 0, now).unit, &f->u[0]);
    assert_int_equal(f->u[0].run_ns, 6 * SLICE_NS);
    assert_int_equal(f->u[2].run_ns, 3 * SLICE_NS);
    assert_int_equal(f->u[3].run_ns, 3 * SLICE_NS);
}

static void test_fair_shares(void **state)
{
    struct fixture *f = *state;
    uint64_t now = 0;
    uint64_t end = 1000 * MS;
    unsigned int picks = 0;
    unsigned int i;

    for (i = 0; i < 3; i++) {
        sched_wake(&f->s, &f->u[i], 0);
    }
    while (now < end) {
        struct sched_decision d = sched_pick_next(&f->s, 0, now);

        assert_non_null(d.unit);
        assert_true(d.run_ns > 0 && d.run_ns <= SLICE_NS);
        /* Every 7th pick comes back early, as after another interrupt. */
        now += ++picks % 7 == 3 ? d.run_ns / 3 + 1 : d.run_ns;
    }
    sched_pick_next(&f->s, 0, now);
    for (i = 0; i < 3; i++) {
        uint64_t share = now / 3;
        uint64_t got = f->u[i].run_ns;

        assert_true(got + SLICE_NS >= share && got <= share + SLICE_NS);
    }
    assert_int_equal(f->u[0].run_ns + f->u[1].run_ns + f->u[2].run_ns, now);
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
    /* Teardown removes it again: insert it back for that. */
    assert_int_equal(sched_insert(&f->s, &f->u[0]), 0);
}

#define RR_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_names),
        RR_TEST(test_insert_bad_cpu),
        RR_TEST(test_idle_when_nothing_runnable),
        RR_TEST(test_two_units_alternate),
        RR_TEST(test_early_pick_keeps_unit),
        RR_TEST(test_lone_unit_keeps_running),
        RR_TEST(test_sleep_and_wake),
        RR_TEST(test_all_asleep_idles),
        RR_TEST(test_sleep_then_wake_while_running),
        RR_TEST(test_yield),
        RR_TEST(test_cpus_independent),
        RR_TEST(test_fair_shares),
        RR_TEST(test_remove_running),
    };

    return cmocka_run_group_tests_name("sched_rr", tests, NULL, NULL);
}
