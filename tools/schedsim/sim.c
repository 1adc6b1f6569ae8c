/* SPDX-License-Identifier: MIT */
/*
 * schedsim engine: model set-up, the event loop and the CPUs (see sim.h).
 *
 * The loop, at each instant `now`: every CPU flagged need_resched calls
 * sched_pick_next(); then time jumps to the earliest next event (a task
 * release/arrival/unblock, a running job's end, a slice end, or `until`),
 * the running vCPUs are credited with the time in between, and the
 * events at the new instant are handled in a fixed order: job ends
 * first (a job ending exactly at its next release is on time), then
 * task events by vCPU index, then slice ends by CPU. Everything is
 * integer ns and fixed order, so a model gives byte-identical results.
 *
 * Switch cost: whenever a pick loads a different vCPU than the CPU ran
 * (also after idle), the first switch_cost_ns of its turn are lost, and
 * put_cost_ns more when the CPU ran another vCPU right before; a
 * wake-to-run latency sample is the time from the wake-up to the moment
 * the vCPU starts running guest code, plus wake_overhead_ns and a
 * uniform draw in [0, wake_jitter_ns) from the vCPU's own stream.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

static struct sim_vcpu *sim_vcpu_of(const struct sched_unit *u)
{
    return (struct sim_vcpu *)((const char *)u -
                               offsetof(struct sim_vcpu, unit));
}

static uint64_t sim_min(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static uint64_t sim_max(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

static void *sim_env_zalloc(size_t size)
{
    return calloc(1, size);
}

static void sim_env_free(void *p)
{
    free(p);
}

static void sim_env_print(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

/* The environment's trace hook has no context argument: the simulator
 * is found from the unit (every event of sched/ carries one). */
static void sim_env_trace(unsigned int cpu, uint64_t now, enum sched_event ev,
                          const struct sched_unit *u, uint64_t arg)
{
    FILE *f;

    if (u == NULL) {
        return;
    }
    f = sim_vcpu_of(u)->sim->cfg.trace;
    fprintf(f, "trace: %u %llu %s %u %u %llu\n", cpu, (unsigned long long)now,
            sched_event_name(ev), u->vm_id, u->vcpu_id,
            (unsigned long long)arg);
}

static void sim_fail(struct sim *sim, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(sim->error, sizeof(sim->error), fmt, ap);
    va_end(ap);
    sim->failed = true;
}

int sim_create(struct sim **out, const struct sim_config *cfg)
{
    struct sched_env env = {sim_env_zalloc, sim_env_free, sim_env_print, NULL};
    struct sim *sim = calloc(1, sizeof(*sim));
    unsigned int cpu;
    int rc;

    *out = NULL;
    if (sim == NULL) {
        return -12;
    }
    if (cfg->trace != NULL) {
        env.trace = sim_env_trace;
    }
    sim->cfg = *cfg;
    rc = sched_init(&sim->sched, cfg->policy != NULL ? cfg->policy : "",
                    cfg->nr_cpus, &env);
    if (rc != 0) {
        free(sim);
        return rc;
    }
    sim->cfg.policy = sim->sched.ops->name; /* outlives the caller's */
    for (cpu = 0; cpu < SCHED_MAX_CPUS; cpu++) {
        sim->cpus[cpu].slice_end = SIM_NEVER;
    }
    *out = sim;
    return 0;
}

void sim_destroy(struct sim *sim)
{
    unsigned int i;

    if (sim == NULL) {
        return;
    }
    for (i = 0; i < sim->nr_vcpus; i++) {
        sched_remove(&sim->sched, &sim->vcpus[i].unit);
        sim_lat_free(&sim->vcpus[i].lat);
    }
    sched_deinit(&sim->sched);
    free(sim);
}

struct scheduler *sim_scheduler(struct sim *sim)
{
    return &sim->sched;
}

int sim_add_vm(struct sim *sim, const struct sim_vm_desc *d)
{
    unsigned int id = sim->nr_vms;
    unsigned int weight = d->weight;
    unsigned int cap;
    int rc;

    if (id >= SIM_MAX_VMS || d->name == NULL ||
        strlen(d->name) >= SIM_NAME_MAX || d->rt_budget_ns > d->rt_period_ns) {
        return -22;
    }
    if (d->weight != 0 || d->cap_pct != 0) {
        /* set_vm_params sets both: keep the default weight if unnamed. */
        if (weight == 0) {
            rc = sched_get_vm_params(&sim->sched, id, &weight, &cap);
            if (rc != 0) {
                return rc;
            }
        }
        rc = sched_set_vm_params(&sim->sched, id, weight, d->cap_pct);
        if (rc != 0) {
            return rc;
        }
    }
    strcpy(sim->vms[id].name, d->name);
    sim->vms[id].rt_period_ns = d->rt_period_ns;
    sim->vms[id].rt_budget_ns = d->rt_budget_ns;
    sim->nr_vms++;
    return (int)id;
}

int sim_add_vcpu(struct sim *sim, unsigned int vm, unsigned int cpu,
                 const struct sim_task *task)
{
    return sim_add_vcpu_affine(sim, vm, cpu, 0, task);
}

int sim_add_vcpu_affine(struct sim *sim, unsigned int vm, unsigned int cpu,
                        uint32_t affinity, const struct sim_task *task)
{
    struct sim_vcpu *v;
    struct sim_vm *m;
    int rc;

    if (sim->started || vm >= sim->nr_vms || cpu >= sim->sched.nr_cpus ||
        sim->nr_vcpus >= SIM_MAX_VCPUS || task == NULL ||
        !sim_task_valid(task)) {
        return -22;
    }
    m = &sim->vms[vm];
    v = &sim->vcpus[sim->nr_vcpus];
    memset(v, 0, sizeof(*v));
    v->sim = sim;
    v->task = *task;
    v->unit.cpu = cpu;
    v->unit.affinity = affinity;
    v->unit.vm_id = vm;
    v->unit.vcpu_id = m->nr_vcpus;
    v->next_event = SIM_NEVER;
    v->rng = sim_rand_seed(sim->cfg.seed, sim->nr_vcpus);
    v->jitter_rng = sim_rand_seed(sim->cfg.seed, SIM_MAX_VCPUS + sim->nr_vcpus);
    rc = sched_insert(&sim->sched, &v->unit);
    if (rc != 0) {
        return rc;
    }
    if (m->rt_budget_ns != 0) {
        rc = sched_set_reservation(&sim->sched, &v->unit, m->rt_period_ns,
                                   m->rt_budget_ns);
        if (rc != 0) {
            sched_remove(&sim->sched, &v->unit);
            return rc;
        }
    }
    m->nr_vcpus++;
    return (int)sim->nr_vcpus++;
}

/* As the hypervisor does: a woken unit that may run elsewhere also
 * wakes the idle CPUs it may run on, so that they can take it. */
static void sim_tickle_idle(struct sim *sim, const struct sched_unit *u)
{
    unsigned int cpu;

    for (cpu = 0; cpu < sim->sched.nr_cpus; cpu++) {
        if (cpu != u->cpu && (u->affinity >> cpu & 1) != 0 &&
            sim->cpus[cpu].running == NULL) {
            sim->cpus[cpu].need_resched = true;
        }
    }
}

void sim_vcpu_wake(struct sim_vcpu *v, bool record_latency)
{
    struct sim *sim = v->sim;

    v->runnable = true;
    if (record_latency) {
        v->lat_pending = true;
        v->woke_at = sim->now;
    }
    sched_wake(&sim->sched, &v->unit, sim->now);
    sim->cpus[v->unit.cpu].need_resched = true;
    sim_tickle_idle(sim, &v->unit);
}

void sim_vcpu_block(struct sim_vcpu *v)
{
    struct sim *sim = v->sim;

    v->runnable = false;
    v->lat_pending = false;
    sched_sleep(&sim->sched, &v->unit, sim->now);
    sim->cpus[v->unit.cpu].need_resched = true;
}

/* Asks the policy what cpu runs now, as vcpu_schedule() does. */
static int sim_pick(struct sim *sim, unsigned int cpu)
{
    struct sim_cpu *c = &sim->cpus[cpu];
    struct sim_vcpu *next = NULL;
    struct sim_vcpu *prev;
    struct sched_decision d;
    uint64_t now = sim->now;

    c->need_resched = false;
    d = sched_pick_next(&sim->sched, cpu, now);
    if (d.unit != NULL) {
        next = sim_vcpu_of(d.unit);
        if (next < sim->vcpus || next >= sim->vcpus + sim->nr_vcpus ||
            d.unit->cpu != cpu || !next->runnable) {
            sim_fail(sim,
                     "%llu ns: %s picked vm %u vcpu %u on cpu %u, but it is "
                     "%s",
                     (unsigned long long)now, sim->cfg.policy, d.unit->vm_id,
                     d.unit->vcpu_id, cpu,
                     d.unit->cpu != cpu ? "on another cpu" : "blocked");
            return -1;
        }
    }
    prev = c->running;
    if (next != prev) {
        c->running = next;
        if (next != NULL) {
            c->st.switches++;
            /* Straight from another vCPU, that one's put is on the path
             * too; after idle it was paid when the CPU went idle. */
            c->useful_from =
                sim_add_sat(now, sim->cfg.switch_cost_ns +
                                     (prev != NULL ? sim->cfg.put_cost_ns : 0));
        }
    }
    if (next != NULL && next->lat_pending) {
        uint64_t start = sim_max(now, c->useful_from);

        uint64_t jitter =
            sim->cfg.wake_jitter_ns != 0
                ? sim_rand_next(&next->jitter_rng) % sim->cfg.wake_jitter_ns
                : 0;

        sim_lat_add(&next->lat,
                    start - next->woke_at + sim->cfg.wake_overhead_ns + jitter);
        next->lat_pending = false;
    }
    c->slice_end = d.run_ns != 0 ? sim_add_sat(now, d.run_ns) : SIM_NEVER;
    c->short_picks =
        d.run_ns != 0 && d.run_ns < SIM_SHORT_NS ? c->short_picks + 1 : 0;
    if (c->short_picks == SIM_MAX_SHORT) {
        sim_fail(sim,
                 "%llu ns: %s granted under %u ns %u times in a row on "
                 "cpu %u (livelock)",
                 (unsigned long long)now, sim->cfg.policy, SIM_SHORT_NS,
                 SIM_MAX_SHORT, cpu);
        return -1;
    }
    return 0;
}

/* When the job of c's running vCPU ends if it keeps running. */
static uint64_t sim_done_at(const struct sim *sim, const struct sim_cpu *c)
{
    const struct sim_vcpu *v = c->running;

    if (v == NULL || !v->runnable || v->remaining == SIM_NEVER) {
        return SIM_NEVER;
    }
    return sim_add_sat(sim_max(sim->now, c->useful_from), v->remaining);
}

static uint64_t sim_next_time(const struct sim *sim, uint64_t until)
{
    uint64_t t = until;
    unsigned int i;

    for (i = 0; i < sim->nr_vcpus; i++) {
        t = sim_min(t, sim->vcpus[i].next_event);
    }
    for (i = 0; i < sim->sched.nr_cpus; i++) {
        t = sim_min(t, sim->cpus[i].slice_end);
        t = sim_min(t, sim_done_at(sim, &sim->cpus[i]));
    }
    return t;
}

/* Credits the time from now to t (no event in between) and moves there. */
static void sim_advance(struct sim *sim, uint64_t t)
{
    uint64_t now = sim->now;
    unsigned int cpu;

    for (cpu = 0; cpu < sim->sched.nr_cpus; cpu++) {
        struct sim_cpu *c = &sim->cpus[cpu];
        struct sim_vcpu *v = c->running;
        uint64_t from;

        if (v == NULL || !v->runnable) {
            c->st.idle_ns += t - now;
            continue;
        }
        from = sim_max(now, sim_min(c->useful_from, t));
        c->st.switch_ns += from - now;
        c->st.busy_ns += t - from;
        v->cpu_ns += t - from;
        if (v->remaining != SIM_NEVER) {
            v->remaining -= t - from; /* t <= sim_done_at() */
        }
    }
    sim->now = t;
}

static void sim_handle_events(struct sim *sim)
{
    unsigned int i;

    for (i = 0; i < sim->sched.nr_cpus; i++) {
        struct sim_vcpu *v = sim->cpus[i].running;

        if (v != NULL && v->runnable && v->remaining == 0) {
            sim_task_done(v);
        }
    }
    for (i = 0; i < sim->nr_vcpus; i++) {
        if (sim->vcpus[i].next_event <= sim->now) {
            sim_task_event(&sim->vcpus[i]);
        }
    }
    for (i = 0; i < sim->sched.nr_cpus; i++) {
        if (sim->cpus[i].slice_end <= sim->now) {
            sim->cpus[i].slice_end = SIM_NEVER;
            sim->cpus[i].need_resched = true;
        }
    }
}

static void sim_start(struct sim *sim)
{
    unsigned int i;

    sim->started = true;
    for (i = 0; i < sim->sched.nr_cpus; i++) {
        sim->cpus[i].need_resched = true;
    }
    for (i = 0; i < sim->nr_vcpus; i++) {
        sim_task_start(&sim->vcpus[i]);
    }
    sim_handle_events(sim); /* releases at time 0, before the first pick */
}

int sim_run(struct sim *sim, uint64_t until)
{
    unsigned int cpu;

    if (sim->failed) {
        return -1;
    }
    if (!sim->started) {
        sim_start(sim);
    }
    for (;;) {
        for (cpu = 0; cpu < sim->sched.nr_cpus; cpu++) {
            if (sim->cpus[cpu].need_resched && sim_pick(sim, cpu) != 0) {
                return -1;
            }
        }
        if (sim->now >= until) {
            return 0;
        }
        sim_advance(sim, sim_next_time(sim, until));
        sim_handle_events(sim);
    }
}

uint64_t sim_now(const struct sim *sim)
{
    return sim->now;
}

unsigned int sim_nr_vcpus(const struct sim *sim)
{
    return sim->nr_vcpus;
}

unsigned int sim_nr_cpus(const struct sim *sim)
{
    return sim->sched.nr_cpus;
}

const char *sim_error(const struct sim *sim)
{
    return sim->error;
}

void sim_get_stats(struct sim *sim, unsigned int vcpu, struct sim_stats *out)
{
    struct sim_vcpu *v;

    memset(out, 0, sizeof(*out));
    if (vcpu >= sim->nr_vcpus) {
        return;
    }
    v = &sim->vcpus[vcpu];
    sim_lat_sort(&v->lat);
    out->vm_name = sim->vms[v->unit.vm_id].name;
    out->vm = v->unit.vm_id;
    out->vcpu = v->unit.vcpu_id;
    out->cpu = v->unit.cpu;
    out->kind = v->task.kind;
    out->cpu_ns = v->cpu_ns;
    out->releases = v->releases;
    out->misses = v->misses;
    out->late = v->late;
    out->lat_ns = v->lat.v;
    out->nr_lat = v->lat.n;
    out->lat_p50_ns = sim_lat_percentile(&v->lat, 50);
    out->lat_p99_ns = sim_lat_percentile(&v->lat, 99);
    out->lat_max_ns = v->lat.max;
}

void sim_get_cpu_stats(const struct sim *sim, unsigned int cpu,
                       struct sim_cpu_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (cpu < sim->sched.nr_cpus) {
        *out = sim->cpus[cpu].st;
    }
}
