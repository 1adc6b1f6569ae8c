/* SPDX-License-Identifier: MIT */
/*
 * Work stealing in the credit policies, through the simulator: an idle
 * CPU takes waiting vCPUs from a busy one within their affinity, never a
 * pinned or reserved vCPU, traces the move, and the workload parser and
 * sched_insert refuse affinities that name missing CPUs or leave out the
 * vCPU's own.
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream */

#include "harness.h"

#include "harness/sim_run.h"

#define MS 1000000ULL
#define SEC 1000000000ULL

static struct sim *new_sim(const char *policy, unsigned int nr_cpus,
                           FILE *trace)
{
    const struct sim_config cfg = {
        .nr_cpus = nr_cpus,
        .policy = policy,
        .seed = 1,
        .trace = trace,
    };
    struct sim *sim;

    assert_int_equal(sim_create(&sim, &cfg), 0);
    return sim;
}

static unsigned int add_vm(struct sim *sim, const char *name,
                           uint64_t rt_period_ns, uint64_t rt_budget_ns)
{
    const struct sim_vm_desc d = {name, 0, 0, rt_period_ns, rt_budget_ns};
    int vm = sim_add_vm(sim, &d);

    assert_true(vm >= 0);
    return (unsigned int)vm;
}

/* A hog VM with one vCPU starting on cpu 0 with affinity mask. */
static unsigned int add_hog(struct sim *sim, uint32_t affinity)
{
    const struct sim_task t = {.kind = SIM_HOG};
    int v = sim_add_vcpu_affine(sim, add_vm(sim, "hog", 0, 0), 0, affinity, &t);

    assert_true(v >= 0);
    return (unsigned int)v;
}

static uint64_t cpu_busy(struct sim *sim, unsigned int cpu)
{
    struct sim_cpu_stats st;

    sim_get_cpu_stats(sim, cpu, &st);
    return st.busy_ns;
}

/* Two hogs start on cpu 0 and may use cpus 0 and 1: the idle cpu 1 takes
 * one (a "steal" event), and each hog gets a whole CPU. Pinned, they
 * share cpu 0 and cpu 1 idles. */
static void check_two_hogs(const char *policy)
{
    char *trace_text = NULL;
    size_t len = 0;
    FILE *trace = open_memstream(&trace_text, &len);
    struct sim *sim = new_sim(policy, 2, trace);
    unsigned int a = add_hog(sim, 0x3);
    unsigned int b = add_hog(sim, 0x3);

    run_to(sim, 10 * SEC);
    print_message("%s: hogs %llu / %llu ms, cpus busy %llu / %llu ms\n", policy,
                  (unsigned long long)(stats(sim, a).cpu_ns / MS),
                  (unsigned long long)(stats(sim, b).cpu_ns / MS),
                  (unsigned long long)(cpu_busy(sim, 0) / MS),
                  (unsigned long long)(cpu_busy(sim, 1) / MS));
    assert_true(cpu_busy(sim, 0) == 10 * SEC);
    assert_true(cpu_busy(sim, 1) == 10 * SEC);
    assert_true(stats(sim, a).cpu_ns >= 10 * SEC - 10 * MS);
    assert_true(stats(sim, b).cpu_ns >= 10 * SEC - 10 * MS);
    assert_int_not_equal(stats(sim, a).cpu, stats(sim, b).cpu);
    sim_destroy(sim);
    fclose(trace);
    assert_non_null(strstr(trace_text, " steal "));
    free(trace_text);

    sim = new_sim(policy, 2, NULL);
    a = add_hog(sim, 0);
    b = add_hog(sim, 0);
    run_to(sim, 10 * SEC);
    assert_true(cpu_busy(sim, 1) == 0);
    assert_true(stats(sim, a).cpu_ns + stats(sim, b).cpu_ns == 10 * SEC);
    assert_int_equal(stats(sim, a).cpu, 0);
    assert_int_equal(stats(sim, b).cpu, 0);
    sim_destroy(sim);
}

static void test_idle_cpu_steals_credit(void **state)
{
    check_two_hogs("credit");
}

static void test_idle_cpu_steals_credit_rt(void **state)
{
    check_two_hogs("credit-rt");
}

/* Stealing stays within the affinity: with hogs allowed on cpus 0 and 1
 * of three, cpu 2 never runs anything. */
static void test_steal_respects_affinity(void **state)
{
    struct sim *sim = new_sim("credit", 3, NULL);
    unsigned int v[3];
    unsigned int i;

    for (i = 0; i < 3; i++) {
        v[i] = add_hog(sim, 0x3);
    }
    run_to(sim, 5 * SEC);
    assert_true(cpu_busy(sim, 0) == 5 * SEC);
    assert_true(cpu_busy(sim, 1) == 5 * SEC);
    assert_true(cpu_busy(sim, 2) == 0);
    for (i = 0; i < 3; i++) {
        assert_true(stats(sim, v[i]).cpu < 2);
    }
    sim_destroy(sim);
}

/* A reserved vCPU is admitted on its CPU and stays there, even when its
 * affinity allows another, idle, CPU; an ordinary one beside it moves. */
static void test_reserved_unit_not_stolen(void **state)
{
    const struct sim_task media = {
        .kind = SIM_PERIODIC, .period_ns = 10 * MS, .work_ns = 2 * MS};
    struct sim *sim = new_sim("credit-rt", 2, NULL);
    int rt = sim_add_vcpu_affine(sim, add_vm(sim, "rt", 10 * MS, 3 * MS), 0,
                                 0x3, &media);
    unsigned int hogs[2];

    assert_true(rt >= 0);
    hogs[0] = add_hog(sim, 0);
    hogs[1] = add_hog(sim, 0x3);
    run_to(sim, 5 * SEC);
    assert_int_equal(stats(sim, (unsigned int)rt).cpu, 0);
    assert_int_equal(stats(sim, (unsigned int)rt).misses, 0);
    assert_int_equal(stats(sim, hogs[0]).cpu, 0);
    assert_int_equal(stats(sim, hogs[1]).cpu, 1);
    assert_true(stats(sim, hogs[1]).cpu_ns >= 5 * SEC - 10 * MS);
    sim_destroy(sim);
}

/* sched_insert refuses an affinity without the unit's own CPU or with
 * CPUs the instance does not have. */
static void test_bad_affinity_refused(void **state)
{
    const struct sim_task t = {.kind = SIM_HOG};
    struct sim *sim = new_sim("credit", 2, NULL);
    unsigned int vm = add_vm(sim, "x", 0, 0);

    assert_int_equal(sim_add_vcpu_affine(sim, vm, 0, 0x2, &t), -22);
    assert_int_equal(sim_add_vcpu_affine(sim, vm, 1, 0x5, &t), -22);
    assert_true(sim_add_vcpu_affine(sim, vm, 1, 0x3, &t) >= 0);
    sim_destroy(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idle_cpu_steals_credit),
        cmocka_unit_test(test_idle_cpu_steals_credit_rt),
        cmocka_unit_test(test_steal_respects_affinity),
        cmocka_unit_test(test_reserved_unit_not_stolen),
        cmocka_unit_test(test_bad_affinity_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
