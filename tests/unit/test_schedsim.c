/* SPDX-License-Identifier: MIT */
/*
 * Scheduler behaviour through the simulator (tools/schedsim): the real
 * sched/ policies driven as the hypervisor drives them, over seconds of
 * simulated time, checked against what each feature promises (weights,
 * caps, BOOST, credit-rt reservations and admission control, falling
 * back to credit beyond the budget, determinism), plus the workload
 * parser's error reports.
 */
#define _POSIX_C_SOURCE 200809L /* fmemopen, open_memstream */

#include "harness.h"

#include "../../tools/schedsim/workload.h"
#include "harness/sim_run.h"

#define US 1000ULL
#define MS 1000000ULL
#define SEC 1000000000ULL
#define TICK_NS ((uint64_t)CONFIG_SCHED_CREDIT_TICK_MS * MS)

/* The 60 fps media task: 4 ms of work every 16.667 ms. */
#define MEDIA_PERIOD_NS (16667 * US)
#define MEDIA_WORK_NS (4 * MS)
#define MEDIA_BUDGET_NS (4500 * US)
#define WAKE_OVERHEAD_NS (2 * US)

static struct sim *new_sim(const char *policy, unsigned int nr_cpus,
                           uint64_t wake_overhead_ns)
{
    const struct sim_config cfg = {
        .nr_cpus = nr_cpus,
        .policy = policy,
        .seed = 1,
        .wake_overhead_ns = wake_overhead_ns,
    };
    struct sim *sim;

    assert_int_equal(sim_create(&sim, &cfg), 0);
    return sim;
}

/* A VM; returns its index. */
static unsigned int add_vm(struct sim *sim, const char *name,
                           unsigned int weight, unsigned int cap_pct,
                           uint64_t rt_period_ns, uint64_t rt_budget_ns)
{
    const struct sim_vm_desc d = {name, weight, cap_pct, rt_period_ns,
                                  rt_budget_ns};
    int vm = sim_add_vm(sim, &d);

    assert_true(vm >= 0);
    return (unsigned int)vm;
}

static int add_task(struct sim *sim, unsigned int vm, unsigned int cpu,
                    const struct sim_task *t)
{
    return sim_add_vcpu(sim, vm, cpu, t);
}

/* A hog vCPU on cpu; returns its index. */
static unsigned int add_hog(struct sim *sim, unsigned int vm, unsigned int cpu)
{
    const struct sim_task t = {.kind = SIM_HOG};
    int v = add_task(sim, vm, cpu, &t);

    assert_true(v >= 0);
    return (unsigned int)v;
}

static struct sim_task periodic(uint64_t period_ns, uint64_t work_ns)
{
    const struct sim_task t = {
        .kind = SIM_PERIODIC, .period_ns = period_ns, .work_ns = work_ns};

    return t;
}

static double share_of(struct sim *sim, unsigned int vcpu)
{
    return (double)stats(sim, vcpu).cpu_ns / (double)sim_now(sim);
}

/* 1. Weights 256/512/768 of three hogs on one CPU give 1:2:3. */
static void test_weights_share_1_2_3(void **state)
{
    struct sim *sim = new_sim("credit", 1, 0);
    unsigned int v[3];
    uint64_t total = 0;
    unsigned int i;

    for (i = 0; i < 3; i++) {
        v[i] = add_hog(sim, add_vm(sim, "w", 256 * (i + 1), 0, 0, 0), 0);
    }
    run_to(sim, 10 * SEC);
    for (i = 0; i < 3; i++) {
        total += stats(sim, v[i]).cpu_ns;
    }
    assert_true(total == 10 * SEC);
    for (i = 0; i < 3; i++) {
        double want = (i + 1) / 6.0;
        double got = (double)stats(sim, v[i]).cpu_ns / (double)total;

        print_message("weight %u: %.4f of the cpu (want %.4f)\n", 256 * (i + 1),
                      got, want);
        assert_true(got > want * 0.95 && got < want * 1.05);
    }
    sim_destroy(sim);
}

/* Runs a 25 % capped hog (with or without a competing hog) for 10 s in
 * 1 ms steps and checks every 100 ms window. */
static void check_cap25(bool competing)
{
    enum { STEPS = 10000, WINDOW = 100 };
    struct sim *sim = new_sim("credit", 1, 0);
    uint64_t *used = calloc(STEPS + 1, sizeof(*used));
    unsigned int capped = add_hog(sim, add_vm(sim, "capped", 256, 25, 0, 0), 0);
    uint64_t worst = 0;
    unsigned int k;

    assert_non_null(used);
    if (competing) {
        add_hog(sim, add_vm(sim, "free", 256, 0, 0, 0), 0);
    }
    for (k = 1; k <= STEPS; k++) {
        run_to(sim, k * MS);
        used[k] = stats(sim, capped).cpu_ns;
    }
    for (k = 0; k + WINDOW <= STEPS; k++) {
        uint64_t in_window = used[k + WINDOW] - used[k];

        worst = in_window > worst ? in_window : worst;
    }
    print_message("cap 25 %%%s: worst 100 ms window %llu us, overall %.3f\n",
                  competing ? " vs a hog" : " alone",
                  (unsigned long long)(worst / US), share_of(sim, capped));
    assert_true(worst <= WINDOW * MS / 4 + TICK_NS);
    /* The cap binds (uncapped it would get 50 % or 100 %), yet the VM
     * gets what it is allowed. */
    assert_true(share_of(sim, capped) > 0.24 && share_of(sim, capped) < 0.26);
    free(used);
    sim_destroy(sim);
}

/* 2. A 25 % cap holds in every 100 ms window, with a hog and alone. */
static void test_cap25_every_window(void **state)
{
    check_cap25(true);
    check_cap25(false);
}

/* An io vCPU (50 us bursts, 500 us blocks) next to a hog for 2 s; the
 * io vCPU's stats. Each wake-up comes 500 us after the hog was put back
 * on the CPU: within credit's 1 ms rate limit, which only BOOST skips. */
static struct sim_stats io_next_to_hog(const char *policy)
{
    const struct sim_task io = {
        .kind = SIM_IO, .run_ns = 50 * US, .block_ns = 500 * US};
    struct sim *sim = new_sim(policy, 1, 0);
    struct sim_stats st;
    int v;

    add_hog(sim, add_vm(sim, "hog", 0, 0, 0, 0), 0);
    v = add_task(sim, add_vm(sim, "io", 0, 0, 0, 0), 0, &io);
    assert_true(v >= 0);
    run_to(sim, 2 * SEC);
    st = stats(sim, (unsigned int)v);
    sim_destroy(sim);
    return st;
}

/* 3. BOOST: an io vCPU waking while a hog runs gets the CPU at once. */
static void test_boost_wakes_io_at_once(void **state)
{
    struct sim_stats credit = io_next_to_hog("credit");
    struct sim_stats rr = io_next_to_hog("rr");

    print_message("io wake latency max: credit %llu ns, rr %llu ns\n",
                  (unsigned long long)credit.lat_max_ns,
                  (unsigned long long)rr.lat_max_ns);
    assert_true(credit.nr_lat > 3000);
    assert_true(credit.lat_max_ns <= 10 * US);
    /* Without BOOST (rr) the wake waits for the hog's slice: the
     * measurement does tell the two apart. */
    assert_true(rr.lat_max_ns >= MS);
}

/* The media task with nr_hogs hogs on one CPU for 10 s under policy,
 * reserved when rt; the media vCPU's stats. */
static struct sim_stats media_with_hogs(const char *policy, bool rt,
                                        unsigned int nr_hogs)
{
    const struct sim_task media = periodic(MEDIA_PERIOD_NS, MEDIA_WORK_NS);
    struct sim *sim = new_sim(policy, 1, WAKE_OVERHEAD_NS);
    struct sim_stats st;
    unsigned int vm = add_vm(sim, "media", 256, 0, rt ? MEDIA_PERIOD_NS : 0,
                             rt ? MEDIA_BUDGET_NS : 0);
    int v = add_task(sim, vm, 0, &media);
    unsigned int i;

    assert_true(v >= 0);
    for (i = 0; i < nr_hogs; i++) {
        add_hog(sim, add_vm(sim, "hog", 256, 0, 0, 0), 0);
    }
    run_to(sim, 10 * SEC);
    st = stats(sim, (unsigned int)v);
    print_message(
        "%-9s %u hog(s): media p50 %llu p99 %llu max %llu ns, "
        "%llu releases, %llu misses\n",
        policy, nr_hogs, (unsigned long long)st.lat_p50_ns,
        (unsigned long long)st.lat_p99_ns, (unsigned long long)st.lat_max_ns,
        (unsigned long long)st.releases, (unsigned long long)st.misses);
    sim_destroy(sim);
    return st;
}

/* 4. credit-rt: a reserved 60 fps media vCPU misses nothing next to
 * 0, 1 or 3 hogs and starts each frame at once; credit does no better. */
static void test_rt_media_meets_deadlines(void **state)
{
    static const unsigned int hogs[] = {0, 1, 3};
    unsigned int i;

    for (i = 0; i < 3; i++) {
        struct sim_stats rt = media_with_hogs("credit-rt", true, hogs[i]);
        struct sim_stats cr = media_with_hogs("credit", false, hogs[i]);

        assert_true(rt.releases >= 599);
        assert_int_equal(rt.misses, 0);
        assert_int_equal(rt.nr_lat, rt.releases);
        assert_true(rt.lat_max_ns <= WAKE_OVERHEAD_NS + 1 * US);
        assert_true(rt.lat_max_ns <= cr.lat_max_ns);
        assert_true(rt.misses <= cr.misses);
    }
}

/* 5. Admission control: reservations beyond rt_share_pct of a CPU are
 * refused with -28, a set that fits is accepted, per CPU. */
static void test_rt_admission_control(void **state)
{
    struct sim *sim = new_sim("credit-rt", 2, 0);
    const struct sim_task t = periodic(10 * MS, 1 * MS);
    struct sched_params p;
    uint64_t half;
    unsigned int a, b, c, d;

    sched_get_params(sim_scheduler(sim), &p);
    assert_true(p.rt_share_pct >= 20 && p.rt_share_pct <= 100);
    /* a + b = rt_share_pct - 5 %: fits; c adds 10 %: too much. */
    half = p.rt_share_pct * 100 * US / 2; /* of a 10 ms period */
    a = add_vm(sim, "a", 0, 0, 10 * MS, half);
    b = add_vm(sim, "b", 0, 0, 10 * MS, half - 500 * US);
    c = add_vm(sim, "c", 0, 0, 10 * MS, 1 * MS);
    d = add_vm(sim, "d", 0, 0, 10 * MS, 1 * MS);
    assert_int_equal(add_task(sim, a, 0, &t), 0);
    assert_int_equal(add_task(sim, b, 0, &t), 1);
    assert_int_equal(add_task(sim, c, 0, &t), -28);
    assert_int_equal(sim_nr_vcpus(sim), 2);
    /* The other CPU has its own share. */
    assert_int_equal(add_task(sim, c, 1, &t), 2);
    assert_int_equal(add_task(sim, d, 1, &t), 3);
    run_to(sim, 1 * SEC);
    assert_int_equal(stats(sim, 0).misses, 0);
    sim_destroy(sim);
}

/* Parses text as workload "t.wl" and builds it; the build's result,
 * with the messages in *msg (to free). */
static int build_text(const char *text, struct sim **sim, char **msg)
{
    struct workload *wl = calloc(1, sizeof(*wl));
    FILE *in = fmemopen((void *)text, strlen(text), "r");
    size_t len;
    FILE *err = open_memstream(msg, &len);
    int rc;

    assert_non_null(wl);
    assert_non_null(in);
    assert_non_null(err);
    *sim = NULL;
    rc = workload_parse(wl, in, "t.wl", err);
    if (rc == 0) {
        rc = workload_build(wl, NULL, sim, err);
    }
    fclose(in);
    fclose(err);
    free(wl);
    return rc;
}

/* 5b. The same through a workload: the refusal names the line and -28;
 * a larger rt_share_pct lets the same set in. */
static void test_rt_admission_in_workload(void **state)
{
    static const char over[] = "policy credit-rt\n"
                               "vm a rt_period_ms 10 rt_budget_ms 5\n"
                               "vm b rt_period_ms 10 rt_budget_ms 4\n"
                               "vcpu a periodic period_ms 10 work_ms 1\n"
                               "vcpu b periodic period_ms 10 work_ms 1\n";
    static const char fits[] = "policy credit-rt\n"
                               "param rt_share_pct 95\n"
                               "vm a rt_period_ms 10 rt_budget_ms 5\n"
                               "vm b rt_period_ms 10 rt_budget_ms 4\n"
                               "vcpu a periodic period_ms 10 work_ms 1\n"
                               "vcpu b periodic period_ms 10 work_ms 1\n";
    struct sim *sim;
    char *msg;

    assert_int_equal(build_text(over, &sim, &msg), -1);
    assert_null(sim);
    print_message("%s", msg);
    assert_non_null(strstr(msg, "t.wl:5: "));
    assert_non_null(strstr(msg, "(-28)"));
    free(msg);
    assert_int_equal(build_text(fits, &sim, &msg), 0);
    assert_non_null(sim);
    sim_destroy(sim);
    free(msg);
}

/* 6. Beyond its budget a reserved vCPU competes by weight only: needing
 * 80 % against a hog of equal weight, with a 20 % reservation, it gets
 * about 20 % + half of the remaining 80 %, the hog the other half. */
static void test_rt_over_budget_falls_back_to_credit(void **state)
{
    struct sim *sim = new_sim("credit-rt", 1, 0);
    const struct sim_task greedy = periodic(10 * MS, 8 * MS);
    unsigned int vm = add_vm(sim, "rt", 256, 0, 10 * MS, 2 * MS);
    int rt = add_task(sim, vm, 0, &greedy);
    unsigned int hog = add_hog(sim, add_vm(sim, "hog", 256, 0, 0, 0), 0);
    double rt_share;
    double hog_share;

    assert_true(rt >= 0);
    run_to(sim, 10 * SEC);
    rt_share = share_of(sim, (unsigned int)rt);
    hog_share = share_of(sim, hog);
    print_message("over budget: reserved %.3f, hog %.3f\n", rt_share,
                  hog_share);
    /* RT priority for the whole demand would give 0.8 / 0.2; no
     * reservation at all 0.5 / 0.5. */
    assert_true(rt_share > 0.55 && rt_share < 0.65);
    assert_true(hog_share > 0.35 && hog_share < 0.45);
    sim_destroy(sim);
}

/* A mixed model with random times: media, hogs, exponential io, irq. */
static const char mixed[] = "cpus 2\n"
                            "policy credit-rt\n"
                            "duration_ms 3000\n"
                            "seed 7\n"
                            "switch_cost_us 3\n"
                            "wake_overhead_ns 1500\n"
                            "vm media rt_period_us 16667 rt_budget_us 4500\n"
                            "vm hogs weight 512\n"
                            "vm dev cap 50\n"
                            "vcpu media cpu 0 periodic period_ms 16.667 "
                            "work_ms 4\n"
                            "vcpu hogs cpu 0 hog\n"
                            "vcpu hogs cpu 1 hog\n"
                            "vcpu dev cpu 1 io run_us 200 block_us 900 "
                            "dist exp\n"
                            "vcpu dev cpu 0 irq rate_hz 2000 handler_us 20\n";

/* Runs the mixed model to its end in steps of step_ns (0: at once);
 * writes the trace to *trace (to free) and returns the sim. */
static struct sim *run_mixed(uint64_t seed, uint64_t step_ns, char **trace)
{
    struct workload *wl = calloc(1, sizeof(*wl));
    FILE *in = fmemopen((void *)mixed, strlen(mixed), "r");
    size_t len;
    FILE *tr = open_memstream(trace, &len);
    struct sim *sim;
    uint64_t t = 0;

    assert_non_null(wl);
    assert_non_null(in);
    assert_non_null(tr);
    assert_int_equal(workload_parse(wl, in, "mixed", stderr), 0);
    wl->seed = seed;
    assert_int_equal(workload_build(wl, tr, &sim, stderr), 0);
    do {
        t = step_ns != 0 && t + step_ns < wl->duration_ns ? t + step_ns
                                                          : wl->duration_ns;
        run_to(sim, t);
    } while (t < wl->duration_ns);
    fclose(tr);
    fclose(in);
    free(wl);
    return sim;
}

static bool same_stats(struct sim *a, struct sim *b)
{
    unsigned int i;

    if (sim_nr_vcpus(a) != sim_nr_vcpus(b)) {
        return false;
    }
    for (i = 0; i < sim_nr_vcpus(a); i++) {
        struct sim_stats x = stats(a, i);
        struct sim_stats y = stats(b, i);

        if (x.cpu_ns != y.cpu_ns || x.releases != y.releases ||
            x.misses != y.misses || x.nr_lat != y.nr_lat ||
            (x.nr_lat != 0 &&
             memcmp(x.lat_ns, y.lat_ns, x.nr_lat * sizeof(*x.lat_ns)) != 0)) {
            return false;
        }
    }
    return true;
}

/* 6b. A job longer than its period: each release it overlaps is a miss,
 * and each such job counts once as late (what the media probe adds up). */
static void test_late_jobs_counted(void **state)
{
    struct sim *sim = new_sim("credit", 1, 0);
    const struct sim_task t = periodic(10 * MS, 15 * MS);
    int v = add_task(sim, add_vm(sim, "slow", 0, 0, 0, 0), 0, &t);

    assert_true(v >= 0);
    run_to(sim, 99 * MS);
    /* Jobs at 0, 20, 40, 60, 80 ms; releases at 10, 30, ... 90 skipped. */
    assert_int_equal(stats(sim, (unsigned int)v).releases, 5);
    assert_int_equal(stats(sim, (unsigned int)v).misses, 5);
    assert_int_equal(stats(sim, (unsigned int)v).late, 5);
    sim_destroy(sim);
}

/* 6c. The modelled hypervisor costs: put_cost only when the wake-up
 * preempts another vCPU, not after idle; jitter draws within its range,
 * not all alike. */
static void test_put_cost_and_jitter(void **state)
{
    struct sim_task media = periodic(MEDIA_PERIOD_NS, MEDIA_WORK_NS);
    unsigned int hogs;

    /* First release once the hog runs without its start-up boost. */
    media.phase_ns = 11 * MS;
    for (hogs = 0; hogs <= 1; hogs++) {
        const struct sim_config cfg = {
            .nr_cpus = 1,
            .policy = "credit",
            .seed = 1,
            .put_cost_ns = 700,
            .wake_overhead_ns = 2000,
            .wake_jitter_ns = 500,
        };
        struct sim *sim;
        struct sim_stats st;
        uint64_t i;
        int v;

        assert_int_equal(sim_create(&sim, &cfg), 0);
        v = add_task(sim, add_vm(sim, "probe", 0, 0, 0, 0), 0, &media);
        assert_true(v >= 0);
        if (hogs != 0) {
            add_hog(sim, add_vm(sim, "hog", 0, 0, 0, 0), 0);
        }
        run_to(sim, SEC);
        st = stats(sim, (unsigned int)v);
        assert_true(st.nr_lat > 50);
        for (i = 0; i < st.nr_lat; i++) {
            uint64_t lo = 2000 + (hogs != 0 ? 700 : 0);

            if (st.lat_ns[i] < lo || st.lat_ns[i] >= lo + 500) {
                fail_msg("hogs %u sample %llu: %llu ns", hogs,
                         (unsigned long long)i,
                         (unsigned long long)st.lat_ns[i]);
            }
        }
        assert_true(st.lat_ns[0] != st.lat_ns[st.nr_lat - 1]);
        sim_destroy(sim);
    }
}

/* 7. Same workload and seed: identical statistics and traces, also
 * when run in steps; another seed changes the random tasks. */
static void test_determinism(void **state)
{
    char *ta;
    char *tb;
    char *tc;
    char *td;
    struct sim *a = run_mixed(7, 0, &ta);
    struct sim *b = run_mixed(7, 0, &tb);
    struct sim *c = run_mixed(7, 1 * MS, &tc);
    struct sim *d = run_mixed(8, 0, &td);

    assert_true(strlen(ta) > 1000);
    assert_true(same_stats(a, b));
    assert_string_equal(ta, tb);
    assert_true(same_stats(a, c));
    assert_string_equal(ta, tc);
    assert_false(same_stats(a, d));
    assert_true(stats(a, 3).nr_lat > 100 && stats(a, 4).releases > 1000);
    sim_destroy(a);
    sim_destroy(b);
    sim_destroy(c);
    sim_destroy(d);
    free(ta);
    free(tb);
    free(tc);
    free(td);
}

/* 8. Bad workloads are refused with FILE:LINE and a reason. */
static void test_workload_errors(void **state)
{
    static const struct {
        const char *text;
        const char *want;
    } cases[] = {
        {"cpus 1\nfrobnicate 3\n", "t.wl:2: unknown keyword 'frobnicate'"},
        {"cpus many\n", "t.wl:1: bad number 'many'"},
        {"vm a\nvcpu b hog\n", "t.wl:2: vcpu of unknown vm 'b'"},
        {"vm a\nvcpu a periodic period_ms 10\n", "t.wl:2: a periodic vcpu"},
        {"vm a\nvcpu a periodic period_ms 1.0000000001 work_ms 1\n",
         "t.wl:2: bad number"},
        {"vm a\nvcpu a hog block_us 5\n", "t.wl:2: 'block_us' does not"},
        {"cpus 2\nvm a\nvcpu a cpu 2 hog\n", "t.wl:3: cpu 2"},
        {"cpus 2\nvm a\nvcpu a cpu 1 cpus 0 hog\n",
         "t.wl:3: cpus must name cpu 1"},
        {"cpus 2\nvm a\nvcpu a cpus 0,2 hog\n", "t.wl:3: cpus must name"},
        {"vm a\nvcpu a cpus 0,,1 hog\n", "t.wl:2: bad number '0,,1'"},
        {"vm a weight 0\n", "t.wl:1: bad number '0' for weight"},
        {"vm a rt_period_ms 5\n", "t.wl:1: a reservation needs"},
        {"policy nosuch\nvm a\nvcpu a hog\n", "t.wl:1: unknown policy"},
        {"policy rr\nvm a weight 512\nvcpu a hog\n", "t.wl:2: vm 'a'"},
        {"policy credit\nvm a rt_period_ms 9 rt_budget_ms 1\nvcpu a hog\n",
         "t.wl:3: vm 'a'"},
        {"# nothing\n", "t.wl: no vcpu lines"},
    };
    unsigned int i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sim *sim;
        char *msg;

        assert_int_equal(build_text(cases[i].text, &sim, &msg), -1);
        assert_null(sim);
        if (strstr(msg, cases[i].want) == NULL) {
            fail_msg("case %u: got \"%s\", want \"%s\"", i, msg, cases[i].want);
        }
        free(msg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weights_share_1_2_3),
        cmocka_unit_test(test_cap25_every_window),
        cmocka_unit_test(test_boost_wakes_io_at_once),
        cmocka_unit_test(test_rt_media_meets_deadlines),
        cmocka_unit_test(test_rt_admission_control),
        cmocka_unit_test(test_rt_admission_in_workload),
        cmocka_unit_test(test_rt_over_budget_falls_back_to_credit),
        cmocka_unit_test(test_late_jobs_counted),
        cmocka_unit_test(test_put_cost_and_jitter),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_workload_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
