/* SPDX-License-Identifier: MIT */
/*
 * Tests of kernel/work.c: items run on the CPU they were queued on, in
 * order, once however often they were queued before running, and may be
 * queued again from their own function; queueing kicks the target CPU
 * (not the calling one).
 */
#include "harness.h"

#include <fake/arch.h>
#include <hv/arch.h>
#include <hv/work.h>

#define NR_ITEMS 4

struct item {
    struct work w;
    unsigned int runs;
    unsigned int order;   /* when it last ran, from `clock` */
    unsigned int requeue; /* times it queues itself again */
};

static unsigned int clock;

static void run_item(struct work *w)
{
    struct item *it = container_of(w, struct item, w);

    it->runs++;
    it->order = ++clock;
    if (it->requeue > 0) {
        it->requeue--;
        assert_true(work_queue(w, arch_cpu_id()));
    }
}

static int setup(void **state)
{
    static struct item items[NR_ITEMS];
    unsigned int i;

    fake_arch_reset();
    clock = 0;
    for (i = 0; i < NR_ITEMS; i++) {
        items[i] = (struct item){0};
        work_init(&items[i].w, run_item);
    }
    *state = items;
    return 0;
}

static void test_runs_on_its_cpu_in_order(void **state)
{
    struct item *it = *state;

    fake_cpu_set_id(1);
    assert_true(work_queue(&it[0].w, 0));
    assert_true(work_queue(&it[1].w, 0));
    assert_true(work_queue(&it[2].w, 2));
    assert_int_equal(fake_cpu_kicks(0), 2);
    assert_int_equal(fake_cpu_kicks(2), 1);
    work_run_pending(); /* CPU 1 has nothing */
    assert_int_equal(it[0].runs + it[1].runs + it[2].runs, 0);
    fake_cpu_set_id(0);
    work_run_pending();
    assert_int_equal(it[0].runs, 1);
    assert_int_equal(it[1].runs, 1);
    assert_int_equal(it[2].runs, 0);
    assert_true(it[0].order < it[1].order);
    fake_cpu_set_id(2);
    work_run_pending();
    assert_int_equal(it[2].runs, 1);
}

static void test_queued_twice_runs_once(void **state)
{
    struct item *it = *state;

    fake_cpu_set_id(1);
    assert_true(work_queue(&it[0].w, 0));
    assert_false(work_queue(&it[0].w, 0));
    assert_int_equal(fake_cpu_kicks(0), 1);
    fake_cpu_set_id(0);
    work_run_pending();
    work_run_pending();
    assert_int_equal(it[0].runs, 1);
    /* Once it ran, it can be queued again. */
    assert_true(work_queue(&it[0].w, 0));
    work_run_pending();
    assert_int_equal(it[0].runs, 2);
}

static void test_requeue_from_itself(void **state)
{
    struct item *it = *state;

    it[0].requeue = 2;
    assert_true(work_queue(&it[0].w, 0));
    assert_true(work_queue(&it[1].w, 0));
    assert_int_equal(fake_cpu_kicks(0), 0); /* the calling CPU */
    work_run_pending();
    /* item 0 ran, requeued behind item 1, ran, requeued, ran. */
    assert_int_equal(it[0].runs, 3);
    assert_int_equal(it[1].runs, 1);
    assert_true(it[1].order < it[0].order);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_runs_on_its_cpu_in_order, setup),
        cmocka_unit_test_setup(test_queued_twice_runs_once, setup),
        cmocka_unit_test_setup(test_requeue_from_itself, setup),
    };

    return cmocka_run_group_tests_name("work", tests, NULL, NULL);
}
