/* SPDX-License-Identifier: MIT */
/*
 * Credit policy ("credit"), after the semantics of Xen's credit1.
 *
 * Design: every VM has a weight (default 256, 1..65535) and a cap in
 * percent of one CPU (0 = none), set with sched_set_vm_params(). Each
 * unit holds credit in ns. Every accounting period (a tick,
 * CONFIG_SCHED_CREDIT_TICK_MS) each CPU hands out one tick of credit to
 * the units active on it (runnable, or ran during the period), split
 * between their VMs by weight and within a VM evenly; the time a unit
 * runs is debited from its credit. Credit >= 0 is UNDER, < 0 is OVER;
 * a unit woken from blocked with credit >= 0 is BOOST until it is
 * descheduled or a tick passes while it runs. pick_next runs the best
 * priority (BOOST > UNDER > OVER), FIFO within a priority, for at most a
 * time slice (CONFIG_SCHED_CREDIT_TSLICE_MS). A waiting unit of higher
 * priority preempts the runner at the next pick_next, but only once the
 * runner has run CONFIG_SCHED_CREDIT_RATELIMIT_US, unless the waiting
 * unit is BOOST (then at once). A VM that used its cap's share of the
 * current period on a CPU is parked there until the next period.
 * There is no tick hook: every hook gets `now`, accounting is done when
 * `now` has crossed a period boundary, and pick_next returns a run_ns
 * that brings the caller back by the next boundary, slice end, cap
 * exhaustion or rate-limit end, whichever comes first. Credit is clamped
 * to one time slice either way.
 *
 * Differences from Xen: vCPUs are pinned in Shoji, so accounting, weight
 * shares and caps are per CPU (a VM with vCPUs on n CPUs can use up to
 * n times its cap, and its weight competes separately on each CPU), and
 * there is no work stealing between CPUs. The run queue is one FIFO
 * scanned for the best priority, cheap for the few units of one CPU.
 *
 * Locking: per-CPU state, serialised by the caller (see sched/sched.h).
 * The per-VM weight and cap are the only state shared between CPUs:
 * set_vm_params stores them as aligned words, and each CPU reads them
 * at its next pick or accounting.
 */
#include <hv/list.h>
#include <sched/sched.h>

#ifndef CONFIG_SCHED_CREDIT_TSLICE_MS
#define CONFIG_SCHED_CREDIT_TSLICE_MS 30
#endif
#ifndef CONFIG_SCHED_CREDIT_TICK_MS
#define CONFIG_SCHED_CREDIT_TICK_MS 10
#endif
#ifndef CONFIG_SCHED_CREDIT_RATELIMIT_US
#define CONFIG_SCHED_CREDIT_RATELIMIT_US 1000
#endif

#define CR_EINVAL (-22)
#define CR_ENOMEM (-12)
#define CR_MAX_VMS 64
#define CR_DEFAULT_WEIGHT 256
#define CR_MAX_WEIGHT 65535
#define CR_TSLICE_NS ((uint64_t)CONFIG_SCHED_CREDIT_TSLICE_MS * 1000000)
#define CR_TICK_NS ((uint64_t)CONFIG_SCHED_CREDIT_TICK_MS * 1000000)
#define CR_RATELIMIT_NS ((uint64_t)CONFIG_SCHED_CREDIT_RATELIMIT_US * 1000)
#define CR_CREDIT_MAX ((int64_t)CR_TSLICE_NS)
/* Periods worth replaying after the caller was away for a long time. */
#define CR_MAX_CATCHUP 4

enum cr_prio {
    CR_PRIO_OVER,
    CR_PRIO_UNDER,
    CR_PRIO_BOOST,
};

struct cr_unit {
    struct list_node runq; /* in cpu's run queue while waiting */
    struct list_node all;  /* in cpu's list of units woken there */
    struct sched_unit *unit;
    int64_t credit;
    unsigned int cpu; /* whose `all` list holds it */
    bool on_cpu;      /* linked into a CPU's `all` list */
    bool runnable;
    bool boost;
    bool yielded;
    bool ran; /* ran during the current period */
};

struct cr_vm {
    unsigned int weight;
    unsigned int cap_pct;
};

struct cr_cpu {
    struct list_node runq;
    struct list_node all;
    struct cr_unit *running;
    uint64_t period;    /* index of the current period: now / tick */
    uint64_t charged;   /* running unit is charged up to here */
    uint64_t picked_at; /* when running was last scheduled in */
    uint64_t slice_end;
    uint64_t vm_used[CR_MAX_VMS]; /* ns used in the current period */
};

struct cr_priv {
    struct cr_vm vms[CR_MAX_VMS];
    struct cr_cpu cpus[SCHED_MAX_CPUS];
};

static struct cr_priv *cr_priv(struct scheduler *s)
{
    return s->priv;
}

static struct cr_cpu *cr_cpu_of(struct scheduler *s, unsigned int cpu)
{
    return &cr_priv(s)->cpus[cpu];
}

static enum cr_prio cr_prio_of(const struct cr_unit *cu)
{
    if (cu->boost) {
        return CR_PRIO_BOOST;
    }
    return cu->credit >= 0 ? CR_PRIO_UNDER : CR_PRIO_OVER;
}

/* The VM's cap budget per period in ns, or 0 when uncapped. */
static uint64_t cr_cap_ns(struct scheduler *s, unsigned int vm_id)
{
    return CR_TICK_NS * cr_priv(s)->vms[vm_id].cap_pct / 100;
}

static bool cr_parked(struct scheduler *s, struct cr_cpu *c,
                      const struct cr_unit *cu)
{
    unsigned int vm = cu->unit->vm_id;
    uint64_t cap = cr_cap_ns(s, vm);

    return cap != 0 && c->vm_used[vm] >= cap;
}

static void cr_clamp(struct cr_unit *cu)
{
    if (cu->credit > CR_CREDIT_MAX) {
        cu->credit = CR_CREDIT_MAX;
    } else if (cu->credit < -CR_CREDIT_MAX) {
        cu->credit = -CR_CREDIT_MAX;
    }
}

/* Debits the running unit for the time up to `until`. */
static void cr_charge(struct cr_cpu *c, uint64_t until)
{
    struct cr_unit *cu = c->running;
    uint64_t delta;

    if (until <= c->charged) {
        return;
    }
    delta = until - c->charged;
    c->charged = until;
    if (cu == NULL || !cu->runnable) {
        return;
    }
    cu->credit -= (int64_t)delta;
    cr_clamp(cu);
    cu->ran = true;
    c->vm_used[cu->unit->vm_id] += delta;
}

static bool cr_active(const struct cr_unit *cu)
{
    return cu->runnable || cu->ran;
}

/* Ends one period on c: hands out one tick of credit by weight. */
static void cr_account(struct scheduler *s, struct cr_cpu *c)
{
    struct cr_priv *p = cr_priv(s);
    unsigned int nr_units[CR_MAX_VMS] = {0};
    uint64_t total_weight = 0;
    struct list_node *pos;

    list_for_each (pos, &c->all) {
        struct cr_unit *cu = list_entry(pos, struct cr_unit, all);
        unsigned int vm = cu->unit->vm_id;

        if (cr_active(cu)) {
            if (nr_units[vm]++ == 0) {
                total_weight += p->vms[vm].weight;
            }
        }
    }
    list_for_each (pos, &c->all) {
        struct cr_unit *cu = list_entry(pos, struct cr_unit, all);
        unsigned int vm = cu->unit->vm_id;

        if (cr_active(cu)) {
            uint64_t share = CR_TICK_NS * p->vms[vm].weight / total_weight;

            cu->credit += (int64_t)(share / nr_units[vm]);
            cr_clamp(cu);
        }
        cu->ran = false;
    }
    if (c->running != NULL) {
        /* A tick while running ends a boost, as in Xen. */
        c->running->boost = false;
    }
}

/* Brings c's accounting up to now. */
static void cr_advance(struct scheduler *s, struct cr_cpu *c, uint64_t now)
{
    uint64_t period = now / CR_TICK_NS;
    unsigned int n = 0;

    while (c->period < period) {
        uint64_t boundary = (c->period + 1) * CR_TICK_NS;

        cr_charge(c, boundary);
        if (n++ < CR_MAX_CATCHUP) {
            cr_account(s, c);
        }
        for (unsigned int vm = 0; vm < CR_MAX_VMS; vm++) {
            c->vm_used[vm] = 0;
        }
        c->period = n < CR_MAX_CATCHUP ? c->period + 1 : period;
    }
    cr_charge(c, now);
}

static int cr_init(struct scheduler *s)
{
    struct cr_priv *p = s->env.zalloc(sizeof(*p));
    unsigned int i;

    if (p == NULL) {
        return CR_ENOMEM;
    }
    for (i = 0; i < CR_MAX_VMS; i++) {
        p->vms[i].weight = CR_DEFAULT_WEIGHT;
    }
    for (i = 0; i < SCHED_MAX_CPUS; i++) {
        list_init(&p->cpus[i].runq);
        list_init(&p->cpus[i].all);
    }
    s->priv = p;
    return 0;
}

static void cr_deinit(struct scheduler *s)
{
    if (s->env.free != NULL) {
        s->env.free(s->priv);
    }
    s->priv = NULL;
}

static int cr_set_vm_params(struct scheduler *s, unsigned int vm_id,
                            unsigned int weight, unsigned int cap_pct)
{
    struct cr_vm *vm;

    if (vm_id >= CR_MAX_VMS || weight == 0 || weight > CR_MAX_WEIGHT ||
        cap_pct > 100) {
        return CR_EINVAL;
    }
    vm = &cr_priv(s)->vms[vm_id];
    vm->weight = weight;
    vm->cap_pct = cap_pct;
    return 0;
}

static int cr_insert_unit(struct scheduler *s, struct sched_unit *u)
{
    struct cr_unit *cu;

    if (u->vm_id >= CR_MAX_VMS) {
        return CR_EINVAL;
    }
    cu = s->env.zalloc(sizeof(*cu));
    if (cu == NULL) {
        return CR_ENOMEM;
    }
    list_init(&cu->runq);
    list_init(&cu->all);
    cu->unit = u;
    u->priv = cu;
    return 0;
}

static void cr_remove_unit(struct scheduler *s, struct sched_unit *u)
{
    struct cr_unit *cu = u->priv;

    if (list_linked(&cu->runq)) {
        list_remove(&cu->runq);
    }
    if (list_linked(&cu->all)) {
        list_remove(&cu->all);
    }
    if (cu->on_cpu && cr_cpu_of(s, cu->cpu)->running == cu) {
        cr_cpu_of(s, cu->cpu)->running = NULL;
    }
    u->priv = NULL;
    if (s->env.free != NULL) {
        s->env.free(cu);
    }
}

static void cr_wake(struct scheduler *s, struct sched_unit *u, uint64_t now)
{
    struct cr_unit *cu = u->priv;
    struct cr_cpu *c;

    if (cu->runnable) {
        return;
    }
    /* A blocked unit may have been moved to another CPU: follow it. */
    if (!cu->on_cpu || cu->cpu != u->cpu) {
        if (list_linked(&cu->all)) {
            list_remove(&cu->all);
        }
        cu->cpu = u->cpu;
        cu->on_cpu = true;
        list_append(&cr_cpu_of(s, u->cpu)->all, &cu->all);
    }
    c = cr_cpu_of(s, cu->cpu);
    cr_advance(s, c, now);
    cu->runnable = true;
    cu->boost = cu->credit >= 0;
    if (c->running == cu) {
        /* Woken before its CPU rescheduled: the gap was not run time. */
        c->charged = now;
    } else {
        list_append(&c->runq, &cu->runq);
    }
}

static void cr_sleep(struct scheduler *s, struct sched_unit *u, uint64_t now)
{
    struct cr_unit *cu = u->priv;

    if (!cu->runnable) {
        return;
    }
    if (cu->on_cpu && cr_cpu_of(s, cu->cpu)->running == cu) {
        cr_advance(s, cr_cpu_of(s, cu->cpu), now);
    }
    cu->runnable = false;
    cu->boost = false;
    if (list_linked(&cu->runq)) {
        list_remove(&cu->runq);
    }
}

static void cr_yield(struct scheduler *s, struct sched_unit *u, uint64_t now)
{
    ((struct cr_unit *)u->priv)->yielded = true;
}

/* The first waiting, unparked unit of the best priority, or NULL. */
static struct cr_unit *cr_best(struct scheduler *s, struct cr_cpu *c)
{
    struct cr_unit *best = NULL;
    struct list_node *pos;

    list_for_each (pos, &c->runq) {
        struct cr_unit *cu = list_entry(pos, struct cr_unit, runq);

        if (cr_parked(s, c, cu)) {
            continue;
        }
        if (best == NULL || cr_prio_of(cu) > cr_prio_of(best)) {
            best = cu;
        }
    }
    return best;
}

static bool cr_any_parked(struct scheduler *s, struct cr_cpu *c)
{
    struct list_node *pos;

    list_for_each (pos, &c->runq) {
        if (cr_parked(s, c, list_entry(pos, struct cr_unit, runq))) {
            return true;
        }
    }
    return false;
}

/* Should the runnable runner cu give way to best (may be NULL)? */
static bool cr_must_switch(struct scheduler *s, struct cr_cpu *c,
                           struct cr_unit *cu, struct cr_unit *best,
                           uint64_t now)
{
    if (cr_parked(s, c, cu)) {
        return true;
    }
    if (best == NULL) {
        return false;
    }
    if (cu->yielded || now >= c->slice_end) {
        return cr_prio_of(best) >= cr_prio_of(cu);
    }
    if (cr_prio_of(best) <= cr_prio_of(cu)) {
        return false;
    }
    return cr_prio_of(best) == CR_PRIO_BOOST ||
           now - c->picked_at >= CR_RATELIMIT_NS;
}

static uint64_t cr_min(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* How long c's runner may run from now before the next decision. */
static uint64_t cr_run_ns(struct scheduler *s, struct cr_cpu *c,
                          struct cr_unit *best, uint64_t now)
{
    struct cr_unit *cu = c->running;
    uint64_t cap = cr_cap_ns(s, cu->unit->vm_id);
    uint64_t end = cr_min(c->slice_end, (c->period + 1) * CR_TICK_NS);

    if (cap != 0) {
        end = cr_min(end, now + (cap - c->vm_used[cu->unit->vm_id]));
    }
    if (best != NULL && cr_prio_of(best) > cr_prio_of(cu)) {
        /* Kept only by the rate limit: decide again when it ends. */
        end = cr_min(end, c->picked_at + CR_RATELIMIT_NS);
    }
    return end > now ? end - now : 1;
}

static struct sched_decision cr_pick_next(struct scheduler *s, unsigned int cpu,
                                          uint64_t now)
{
    struct cr_cpu *c = cr_cpu_of(s, cpu);
    struct cr_unit *prev = c->running;
    struct sched_decision d = {NULL, 0};
    struct cr_unit *best;

    cr_advance(s, c, now);
    best = cr_best(s, c);
    if (prev != NULL && prev->runnable) {
        if (!cr_must_switch(s, c, prev, best, now)) {
            if (prev->yielded || now >= c->slice_end) {
                c->slice_end = now + CR_TSLICE_NS;
            }
            prev->yielded = false;
            d.unit = prev->unit;
            d.run_ns = cr_run_ns(s, c, best, now);
            return d;
        }
        prev->yielded = false;
        prev->boost = false;
        list_append(&c->runq, &prev->runq);
    }
    c->running = NULL;
    if (best == NULL) {
        if (cr_any_parked(s, c)) {
            d.run_ns = (c->period + 1) * CR_TICK_NS - now;
        }
        return d;
    }
    list_remove(&best->runq);
    c->running = best;
    c->picked_at = now;
    c->charged = now;
    c->slice_end = now + CR_TSLICE_NS;
    best->yielded = false;
    d.unit = best->unit;
    d.run_ns = cr_run_ns(s, c, cr_best(s, c), now);
    return d;
}

static const char *cr_state_name(struct cr_cpu *c, const struct cr_unit *cu)
{
    if (c->running == cu && cu->runnable) {
        return "running";
    }
    return cu->runnable ? "waiting" : "blocked";
}

static void cr_dump(struct scheduler *s)
{
    static const char *const prio_names[] = {"over", "under", "boost"};
    unsigned int cpu;

    if (s->env.print == NULL) {
        return;
    }
    for (cpu = 0; cpu < s->nr_cpus; cpu++) {
        struct cr_cpu *c = cr_cpu_of(s, cpu);
        struct list_node *pos;

        list_for_each (pos, &c->all) {
            struct cr_unit *cu = list_entry(pos, struct cr_unit, all);

            s->env.print("credit: cpu%u vm%u vcpu%u %s %s credit %lld ns\n",
                         cpu, cu->unit->vm_id, cu->unit->vcpu_id,
                         cr_state_name(c, cu), prio_names[cr_prio_of(cu)],
                         (long long)cu->credit);
        }
    }
}

static const struct sched_ops credit_ops = {
    .name = "credit",
    .init = cr_init,
    .deinit = cr_deinit,
    .insert_unit = cr_insert_unit,
    .remove_unit = cr_remove_unit,
    .wake = cr_wake,
    .sleep = cr_sleep,
    .yield = cr_yield,
    .pick_next = cr_pick_next,
    .dump = cr_dump,
    .set_vm_params = cr_set_vm_params,
};
SCHED_REGISTER(credit_ops);
