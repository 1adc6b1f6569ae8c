/* SPDX-License-Identifier: MIT */
/*
 * Tests of kernel/timer.c on the fake arch: events fire in deadline order,
 * cancel and re-arm work, the hardware timer always holds the earliest
 * armed deadline (0 when none), and CPUs keep separate lists.
 */
#include "harness.h"

#include <fake/arch.h>
#include <hv/timer.h>

#define MAX_FIRED 16

static struct timer_event *fired[MAX_FIRED];
static uint64_t fired_at[MAX_FIRED];
static unsigned int nr_fired;

static void record(struct timer_event *ev, uint64_t now)
{
    assert_true(nr_fired < MAX_FIRED);
    fired[nr_fired] = ev;
    fired_at[nr_fired] = now;
    nr_fired++;
}

static int setup(void **state)
{
    unsigned int cpu;

    /*
     * Drain whatever a failed test left armed, on every CPU (events are
     * static, so they are still valid here).
     */
    fake_arch_reset();
    fake_timer_set_now(UINT64_MAX);
    for (cpu = 0; cpu < CONFIG_NR_CPUS; cpu++) {
        fake_cpu_set_id(cpu);
        timer_process();
    }
    fake_arch_reset();
    nr_fired = 0;
    return 0;
}

static void test_fire_in_order(void **state)
{
    static struct timer_event a;
    static struct timer_event b;
    static struct timer_event c;

    timer_event_init(&a, 0, record);
    timer_event_init(&b, 0, record);
    timer_event_init(&c, 0, record);
    timer_arm(&b, 2000);
    assert_int_equal(fake_timer_deadline(), 2000);
    timer_arm(&c, 3000);
    assert_int_equal(fake_timer_deadline(), 2000);
    timer_arm(&a, 1000);
    assert_int_equal(fake_timer_deadline(), 1000);

    fake_timer_set_now(999);
    timer_process();
    assert_int_equal(nr_fired, 0);
    assert_int_equal(fake_timer_deadline(), 1000);

    fake_timer_set_now(2500);
    timer_process();
    assert_int_equal(nr_fired, 2);
    assert_ptr_equal(fired[0], &a);
    assert_ptr_equal(fired[1], &b);
    assert_int_equal(fired_at[0], 2500);
    assert_int_equal(fake_timer_deadline(), 3000);

    fake_timer_set_now(3000);
    timer_process();
    assert_int_equal(nr_fired, 3);
    assert_ptr_equal(fired[2], &c);
    assert_int_equal(fake_timer_deadline(), 0);
    assert_int_equal(timer_now_ns(), 3000);
}

static void test_equal_deadlines_fifo(void **state)
{
    static struct timer_event a;
    static struct timer_event b;

    timer_event_init(&a, 0, record);
    timer_event_init(&b, 0, record);
    timer_arm(&a, 500);
    timer_arm(&b, 500);
    fake_timer_set_now(500);
    timer_process();
    assert_int_equal(nr_fired, 2);
    assert_ptr_equal(fired[0], &a);
    assert_ptr_equal(fired[1], &b);
}

static void test_cancel(void **state)
{
    static struct timer_event a;
    static struct timer_event b;

    timer_event_init(&a, 0, record);
    timer_event_init(&b, 0, record);
    /* Cancelling an event that was never armed is harmless. */
    timer_cancel(&a);
    timer_arm(&a, 100);
    timer_arm(&b, 200);
    timer_cancel(&a);
    assert_int_equal(fake_timer_deadline(), 200);
    timer_cancel(&a);
    timer_cancel(&b);
    assert_int_equal(fake_timer_deadline(), 0);
    fake_timer_set_now(1000);
    timer_process();
    assert_int_equal(nr_fired, 0);
}

static void test_rearm_moves(void **state)
{
    static struct timer_event a;
    static struct timer_event b;

    timer_event_init(&a, 0, record);
    timer_event_init(&b, 0, record);
    timer_arm(&a, 100);
    timer_arm(&b, 200);
    timer_arm(&a, 300); /* later than b now */
    assert_int_equal(fake_timer_deadline(), 200);
    timer_arm(&b, 50);
    assert_int_equal(fake_timer_deadline(), 50);
    fake_timer_set_now(1000);
    timer_process();
    assert_int_equal(nr_fired, 2);
    assert_ptr_equal(fired[0], &b);
    assert_ptr_equal(fired[1], &a);
}

static void test_fire_once(void **state)
{
    static struct timer_event a;

    timer_event_init(&a, 0, record);
    timer_arm(&a, 10);
    fake_timer_set_now(10);
    timer_process();
    timer_process();
    assert_int_equal(nr_fired, 1);
    /* Fired events can be armed again. */
    timer_arm(&a, 20);
    fake_timer_set_now(25);
    timer_process();
    assert_int_equal(nr_fired, 2);
}

static void test_armed_in_past(void **state)
{
    static struct timer_event a;

    fake_timer_set_now(5000);
    timer_event_init(&a, 0, record);
    timer_arm(&a, 1000);
    assert_int_equal(fake_timer_deadline(), 1000);
    timer_process();
    assert_int_equal(nr_fired, 1);
    assert_int_equal(fired_at[0], 5000);
    assert_int_equal(fake_timer_deadline(), 0);
}

static struct timer_event chained;

/* Arms another event from inside a callback, as the scheduler does. */
static void rearm_chained(struct timer_event *ev, uint64_t now)
{
    record(ev, now);
    timer_arm(&chained, now + 100);
}

static void test_arm_from_callback(void **state)
{
    static struct timer_event a;

    timer_event_init(&a, 0, rearm_chained);
    timer_event_init(&chained, 0, record);
    timer_arm(&a, 10);
    fake_timer_set_now(10);
    timer_process();
    assert_int_equal(nr_fired, 1);
    assert_int_equal(fake_timer_deadline(), 110);
    fake_timer_set_now(110);
    timer_process();
    assert_int_equal(nr_fired, 2);
    assert_ptr_equal(fired[1], &chained);
    assert_int_equal(fake_timer_deadline(), 0);
}

static void test_per_cpu_lists(void **state)
{
    static struct timer_event a;
    static struct timer_event b;

    timer_event_init(&a, 0, record);
    timer_event_init(&b, 1, record);
    timer_arm(&a, 100);
    fake_cpu_set_id(1);
    timer_arm(&b, 50);
    assert_int_equal(fake_timer_deadline(), 50);
    fake_timer_set_now(200);
    timer_process(); /* CPU 1: only b */
    assert_int_equal(nr_fired, 1);
    assert_ptr_equal(fired[0], &b);
    fake_cpu_set_id(0);
    timer_process();
    assert_int_equal(nr_fired, 2);
    assert_ptr_equal(fired[1], &a);
}

static void arm_on(struct timer_event *ev)
{
    timer_arm(ev, 100);
}

static void test_arm_wrong_cpu_panics(void **state)
{
    static struct timer_event a;

    timer_event_init(&a, 2, record);
    fake_cpu_set_id(0);
    expect_panic(arm_on(&a));
}

#define TM_TEST(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TM_TEST(test_fire_in_order),
        TM_TEST(test_equal_deadlines_fifo),
        TM_TEST(test_cancel),
        TM_TEST(test_rearm_moves),
        TM_TEST(test_fire_once),
        TM_TEST(test_armed_in_past),
        TM_TEST(test_arm_from_callback),
        TM_TEST(test_per_cpu_lists),
        TM_TEST(test_arm_wrong_cpu_panics),
    };

    return cmocka_run_group_tests_name("timer", tests, NULL, NULL);
}
