/* SPDX-License-Identifier: MIT */
/*
 * Credit policies: "credit", after the semantics of Xen's credit1, and
 * "credit-rt", the same plus soft-real-time reservations.
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
 * credit-rt adds reservations (sched_set_reservation): a unit may get
 * `budget` ns of CPU every `period` ns at real-time priority. A reserved
 * unit with budget left in its current reservation period is
 * RT-eligible; RT-eligible units run before every credit priority,
 * earliest deadline (end of their reservation period) first, and
 * preempt an ordinary runner at once, with no rate limit. Time run while
 * RT-eligible is debited from the budget only, not from credit or the
 * cap; when the budget runs out the unit drops to ordinary credit
 * scheduling (its wake-up BOOST and its slice are spent too, so it waits
 * behind ordinary units of its priority) until the period ends.
 * Periods follow the constant-bandwidth-server rule: a waking unit keeps
 * its deadline and remaining budget only if that does not exceed its
 * bandwidth from now to the deadline, and otherwise starts a fresh
 * period (deadline = now + period, full budget); a runnable unit whose
 * deadline passed starts a fresh period when next considered, and
 * pick_next returns a run_ns that brings the caller back at the next
 * budget exhaustion, deadline or refill that could change the decision.
 * Admission control: the sum of budget/period of the reservations on a
 * CPU may not exceed rt_share_pct (CONFIG_SCHED_CREDIT_RT_SHARE_PCT), so
 * ordinary units keep at least the rest, shared by weight.
 *
 * Work stealing, as Xen's load balancing: when a CPU's own choice is
 * OVER or nothing, pick_next looks at its busy peers (from cpu + 1 on)
 * and takes the best waiting unit of a better priority whose affinity
 * allows this CPU (never a reserved unit: its admission is per CPU, nor
 * one parked by its cap here). The unit moves with its credit; it is
 * accounted on its new CPU from then on. An idle CPU that could steal
 * asks to be called again at the next period boundary, so that work
 * queued behind a busy peer's runner is found even if nobody kicks it.
 *
 * Differences from Xen: accounting, weight shares and caps are per CPU
 * (a VM with vCPUs on n CPUs can use up to n times its cap, and its
 * weight competes separately on each CPU); vCPUs are pinned unless their
 * affinity says otherwise. The run queue is one FIFO scanned for the
 * best priority, cheap for the few units of one CPU.
 *
 * Locking: per-CPU state, serialised by the caller (see sched/sched.h);
 * stealing touches a peer's run queue, so with migratable units the
 * caller serialises all calls. The per-VM weight and cap are the only
 * other state shared between CPUs: set_vm_params stores them as aligned
 * words, and each CPU reads them at its next pick or accounting.
 */
#include <hv/list.h>
#include <sched/sched.h>
#include <string.h>

#ifndef CONFIG_SCHED_CREDIT_TSLICE_MS
#define CONFIG_SCHED_CREDIT_TSLICE_MS 30
#endif
#ifndef CONFIG_SCHED_CREDIT_TICK_MS
#define CONFIG_SCHED_CREDIT_TICK_MS 10
#endif
#ifndef CONFIG_SCHED_CREDIT_RATELIMIT_US
#define CONFIG_SCHED_CREDIT_RATELIMIT_US 1000
#endif
#ifndef CONFIG_SCHED_CREDIT_RT_SHARE_PCT
#define CONFIG_SCHED_CREDIT_RT_SHARE_PCT 80
#endif

#define CR_EINVAL (-22)
#define CR_ENOMEM (-12)
#define CR_ENOSPC (-28)
#define CR_MAX_VMS 64
#define CR_DEFAULT_WEIGHT 256
#define CR_MAX_WEIGHT 65535
#define CR_US 1000ULL
/* Reservation limits: periods from 100 us to 1 s keep the bandwidth
 * products below 2^64; budgets of at least 1 us. */
#define CR_RT_MIN_PERIOD_NS (100 * CR_US)
#define CR_RT_MAX_PERIOD_NS (1000000 * CR_US)
#define CR_RT_MIN_BUDGET_NS CR_US
#define CR_RT_MAX_SHARE_PCT 95
#define CR_PPM 1000000ULL
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
    /* Reservation (credit-rt): rt_budget ns every rt_period; 0 = none. */
    uint64_t rt_period;
    uint64_t rt_budget;
    uint64_t rt_bw_ppm;   /* its share of rt_cpu, admitted */
    uint64_t rt_deadline; /* end of the current reservation period */
    uint64_t rt_left;     /* budget left in it */
    unsigned int rt_cpu;  /* CPU whose rt_bw_ppm includes it */
    unsigned int cpu;     /* whose `all` list holds it */
    bool on_cpu;          /* linked into a CPU's `all` list */
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
    bool running_rt; /* running is being debited from its budget */
    unsigned int id;
    uint64_t rt_bw_ppm; /* admitted reservations, parts per million */
    uint64_t period;    /* index of the current period: now / tick */
    uint64_t charged;   /* running unit is charged up to here */
    uint64_t picked_at; /* when running was last scheduled in */
    uint64_t slice_end;
    uint64_t vm_used[CR_MAX_VMS]; /* ns used in the current period */
    uint64_t rt_used; /* ns run on reservations in the current period */
};

struct cr_priv {
    bool rt_enabled; /* credit-rt */
    unsigned int nr_units;
    unsigned int nr_migratable; /* units allowed on more than one CPU */
    uint64_t tslice_ns;
    uint64_t tick_ns;
    uint64_t ratelimit_ns;
    unsigned int rt_share_pct;
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
    return cr_priv(s)->tick_ns * cr_priv(s)->vms[vm_id].cap_pct / 100;
}

static bool cr_parked(struct scheduler *s, struct cr_cpu *c,
                      const struct cr_unit *cu)
{
    unsigned int vm = cu->unit->vm_id;
    uint64_t cap = cr_cap_ns(s, vm);

    return cap != 0 && c->vm_used[vm] >= cap;
}

static uint64_t cr_min(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static void cr_clamp(struct scheduler *s, struct cr_unit *cu)
{
    int64_t max = (int64_t)cr_priv(s)->tslice_ns;

    if (cu->credit > max) {
        cu->credit = max;
    } else if (cu->credit < -max) {
        cu->credit = -max;
    }
}

/* Starts a fresh reservation period for cu at now. */
static void cr_rt_refill(struct scheduler *s, struct cr_unit *cu, uint64_t now)
{
    cu->rt_deadline = now + cu->rt_period;
    cu->rt_left = cu->rt_budget;
    sched_trace(s, cu->unit->cpu, now, SCHED_EV_REPLENISH, cu->unit,
                cu->rt_deadline);
}

/* Is runnable cu RT-eligible at now? Refills it if its period ended. */
static bool cr_rt_eligible(struct scheduler *s, struct cr_unit *cu,
                           uint64_t now)
{
    if (cu->rt_period == 0) {
        return false;
    }
    if (now >= cu->rt_deadline) {
        cr_rt_refill(s, cu, now);
    }
    return cu->rt_left > 0;
}

/* Debits the running unit for the time up to `until`: its reservation
 * budget first while it runs RT-eligible, then its credit. */
static void cr_charge(struct scheduler *s, struct cr_cpu *c, uint64_t until)
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
    if (c->running_rt) {
        uint64_t use = delta < cu->rt_left ? delta : cu->rt_left;

        cu->rt_left -= use;
        c->rt_used += use;
        delta -= use;
        if (cu->rt_left == 0) {
            /* Over budget: ordinary credit from here, with its boost and
             * slice spent, so it queues behind ordinary units of its
             * priority instead of keeping the CPU for a whole slice. */
            c->running_rt = false;
            cu->boost = false;
            c->slice_end = until - delta;
            sched_trace(s, c->id, until - delta, SCHED_EV_BUDGET_OUT, cu->unit,
                        0);
        }
        if (delta == 0) {
            return;
        }
    }
    cu->credit -= (int64_t)delta;
    cr_clamp(s, cu);
    cu->ran = true;
    c->vm_used[cu->unit->vm_id] += delta;
}

/* Does cu take part in this period's credit? Units served by their
 * reservation do not: the credit is for ordinary time. */
static bool cr_active(const struct cr_unit *cu)
{
    return cu->ran ||
           (cu->runnable && (cu->rt_period == 0 || cu->rt_left == 0));
}

/* Ends one period on c: hands out by weight one tick of credit, less
 * the time reservations used in it. */
static void cr_account(struct scheduler *s, struct cr_cpu *c)
{
    struct cr_priv *p = cr_priv(s);
    unsigned int nr_units[CR_MAX_VMS] = {0};
    uint64_t total_weight = 0;
    uint64_t pool = p->tick_ns - cr_min(c->rt_used, p->tick_ns);
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
            uint64_t share = pool * p->vms[vm].weight / total_weight;

            cu->credit += (int64_t)(share / nr_units[vm]);
            cr_clamp(s, cu);
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
    uint64_t tick = cr_priv(s)->tick_ns;
    uint64_t period = now / tick;
    unsigned int n = 0;

    while (c->period < period) {
        uint64_t boundary = (c->period + 1) * tick;

        cr_charge(s, c, boundary);
        if (n++ < CR_MAX_CATCHUP) {
            cr_account(s, c);
        }
        memset(c->vm_used, 0, sizeof(c->vm_used));
        c->rt_used = 0;
        c->period = n < CR_MAX_CATCHUP ? c->period + 1 : period;
    }
    cr_charge(s, c, now);
}

static int cr_init(struct scheduler *s)
{
    struct cr_priv *p = s->env.zalloc(sizeof(*p));
    unsigned int i;

    if (p == NULL) {
        return CR_ENOMEM;
    }
    p->tslice_ns = (uint64_t)CONFIG_SCHED_CREDIT_TSLICE_MS * 1000 * CR_US;
    p->tick_ns = (uint64_t)CONFIG_SCHED_CREDIT_TICK_MS * 1000 * CR_US;
    p->ratelimit_ns = (uint64_t)CONFIG_SCHED_CREDIT_RATELIMIT_US * CR_US;
    p->rt_share_pct = CONFIG_SCHED_CREDIT_RT_SHARE_PCT;
    for (i = 0; i < CR_MAX_VMS; i++) {
        p->vms[i].weight = CR_DEFAULT_WEIGHT;
    }
    for (i = 0; i < SCHED_MAX_CPUS; i++) {
        list_init(&p->cpus[i].runq);
        list_init(&p->cpus[i].all);
        p->cpus[i].id = i;
    }
    s->priv = p;
    return 0;
}

static int cr_rt_init(struct scheduler *s)
{
    int rc = cr_init(s);

    if (rc == 0) {
        cr_priv(s)->rt_enabled = true;
    }
    return rc;
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

static int cr_get_vm_params(struct scheduler *s, unsigned int vm_id,
                            unsigned int *weight, unsigned int *cap_pct)
{
    if (vm_id >= CR_MAX_VMS) {
        return CR_EINVAL;
    }
    *weight = cr_priv(s)->vms[vm_id].weight;
    *cap_pct = cr_priv(s)->vms[vm_id].cap_pct;
    return 0;
}

static int cr_set_params(struct scheduler *s, const struct sched_params *sp)
{
    struct cr_priv *p = cr_priv(s);
    uint64_t tick = (uint64_t)sp->tick_us * CR_US;
    unsigned int cpu;

    if (sp->tslice_us < 100 || sp->tslice_us > 1000000 || sp->tick_us < 100 ||
        sp->tick_us > 1000000 || sp->ratelimit_us > 100000) {
        return CR_EINVAL;
    }
    /* Period indices count ticks: the tick is fixed once units exist. */
    if (tick != p->tick_ns && p->nr_units != 0) {
        return CR_EINVAL;
    }
    if (p->rt_enabled ? sp->rt_share_pct > CR_RT_MAX_SHARE_PCT
                      : sp->rt_share_pct != 0) {
        return CR_EINVAL;
    }
    for (cpu = 0; p->rt_enabled && cpu < s->nr_cpus; cpu++) {
        if (p->cpus[cpu].rt_bw_ppm > sp->rt_share_pct * (CR_PPM / 100)) {
            return CR_ENOSPC;
        }
    }
    p->tslice_ns = (uint64_t)sp->tslice_us * CR_US;
    p->tick_ns = tick;
    p->ratelimit_ns = (uint64_t)sp->ratelimit_us * CR_US;
    if (p->rt_enabled) {
        p->rt_share_pct = sp->rt_share_pct;
    }
    return 0;
}

static void cr_get_params(struct scheduler *s, struct sched_params *sp)
{
    struct cr_priv *p = cr_priv(s);

    sp->tslice_us = (uint32_t)(p->tslice_ns / CR_US);
    sp->tick_us = (uint32_t)(p->tick_ns / CR_US);
    sp->ratelimit_us = (uint32_t)(p->ratelimit_ns / CR_US);
    sp->rt_share_pct = p->rt_enabled ? p->rt_share_pct : 0;
}

/* budget/period in parts per million, rounded up. */
static uint64_t cr_rt_bw_ppm(uint64_t period, uint64_t budget)
{
    return (budget * CR_PPM + period - 1) / period;
}

static int cr_set_reservation(struct scheduler *s, struct sched_unit *u,
                              uint64_t period, uint64_t budget)
{
    struct cr_priv *p = cr_priv(s);
    struct cr_unit *cu = u->priv;
    uint64_t bw = 0;
    uint64_t others;

    if (!p->rt_enabled || u->cpu >= s->nr_cpus) {
        return CR_EINVAL;
    }
    if (budget != 0) {
        if (period < CR_RT_MIN_PERIOD_NS || period > CR_RT_MAX_PERIOD_NS ||
            budget < CR_RT_MIN_BUDGET_NS || budget > period) {
            return CR_EINVAL;
        }
        bw = cr_rt_bw_ppm(period, budget);
    }
    others = p->cpus[u->cpu].rt_bw_ppm;
    if (cu->rt_period != 0 && cu->rt_cpu == u->cpu) {
        others -= cu->rt_bw_ppm;
    }
    if (others + bw > p->rt_share_pct * (CR_PPM / 100)) {
        return CR_ENOSPC;
    }
    if (cu->rt_period != 0) {
        p->cpus[cu->rt_cpu].rt_bw_ppm -= cu->rt_bw_ppm;
    }
    p->cpus[u->cpu].rt_bw_ppm += bw;
    cu->rt_cpu = u->cpu;
    cu->rt_bw_ppm = bw;
    cu->rt_period = budget != 0 ? period : 0;
    cu->rt_budget = budget;
    cu->rt_deadline = 0; /* a fresh period when it next runs */
    cu->rt_left = 0;
    return 0;
}

/* May u run on a CPU other than its own? */
static bool cr_migratable(const struct sched_unit *u)
{
    return (u->affinity & ~(1U << u->cpu)) != 0;
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
    cr_priv(s)->nr_units++;
    if (cr_migratable(u)) {
        cr_priv(s)->nr_migratable++;
    }
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
    if (cu->rt_period != 0) {
        cr_cpu_of(s, cu->rt_cpu)->rt_bw_ppm -= cu->rt_bw_ppm;
    }
    cr_priv(s)->nr_units--;
    if (cr_migratable(u)) {
        cr_priv(s)->nr_migratable--;
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
    if (cu->boost) {
        sched_trace(s, cu->cpu, now, SCHED_EV_BOOST, u, 0);
    }
    if (cu->rt_period != 0 && (now >= cu->rt_deadline ||
                               cu->rt_left * cu->rt_period >
                                   (cu->rt_deadline - now) * cu->rt_budget)) {
        /* Keeping the old period would exceed its bandwidth. */
        cr_rt_refill(s, cu, now);
    }
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
           now - c->picked_at >= cr_priv(s)->ratelimit_ns;
}

/* The RT-eligible waiting unit with the earliest deadline, or NULL. */
static struct cr_unit *cr_rt_best(struct scheduler *s, struct cr_cpu *c,
                                  uint64_t now)
{
    struct cr_unit *best = NULL;
    struct list_node *pos;

    list_for_each (pos, &c->runq) {
        struct cr_unit *cu = list_entry(pos, struct cr_unit, runq);

        if (cr_rt_eligible(s, cu, now) &&
            (best == NULL || cu->rt_deadline < best->rt_deadline)) {
            best = cu;
        }
    }
    return best;
}

/* When the next waiting reserved unit gets its budget back (~0: none). */
static uint64_t cr_rt_next_refill(struct scheduler *s, struct cr_cpu *c)
{
    uint64_t when = ~0ULL;
    struct list_node *pos;

    if (!cr_priv(s)->rt_enabled) {
        return when;
    }
    list_for_each (pos, &c->runq) {
        struct cr_unit *cu = list_entry(pos, struct cr_unit, runq);

        if (cu->rt_period != 0 && cu->rt_left == 0) {
            when = cr_min(when, cu->rt_deadline);
        }
    }
    return when;
}

/* How long RT-eligible cu may run from now: until its budget runs out,
 * its period ends or a waiting reserved unit is refilled. */
static uint64_t cr_rt_run_ns(struct scheduler *s, struct cr_cpu *c,
                             struct cr_unit *cu, uint64_t now)
{
    uint64_t end = cr_min(now + cu->rt_left, cu->rt_deadline);

    end = cr_min(end, cr_rt_next_refill(s, c));
    return end > now ? end - now : 1;
}

/* How long c's runner may run from now before the next decision. */
static uint64_t cr_run_ns(struct scheduler *s, struct cr_cpu *c,
                          struct cr_unit *best, uint64_t now)
{
    struct cr_unit *cu = c->running;
    uint64_t cap = cr_cap_ns(s, cu->unit->vm_id);
    uint64_t end = cr_min(c->slice_end, (c->period + 1) * cr_priv(s)->tick_ns);

    if (cap != 0) {
        end = cr_min(end, now + (cap - c->vm_used[cu->unit->vm_id]));
    }
    if (best != NULL && cr_prio_of(best) > cr_prio_of(cu)) {
        /* Kept only by the rate limit: decide again when it ends. */
        end = cr_min(end, c->picked_at + cr_priv(s)->ratelimit_ns);
    }
    end = cr_min(end, cr_rt_next_refill(s, c));
    return end > now ? end - now : 1;
}

/* Puts the descheduled, still runnable prev back in the run queue. */
static void cr_requeue(struct cr_cpu *c, struct cr_unit *prev)
{
    prev->yielded = false;
    prev->boost = false;
    list_append(&c->runq, &prev->runq);
}

/* Makes cu (taken off the run queue) c's runner from now. */
static struct sched_decision cr_switch_to(struct scheduler *s, struct cr_cpu *c,
                                          struct cr_unit *cu, bool rt,
                                          uint64_t now)
{
    struct sched_decision d;

    list_remove(&cu->runq);
    c->running = cu;
    c->running_rt = rt;
    c->picked_at = now;
    c->charged = now;
    c->slice_end = now + cr_priv(s)->tslice_ns;
    cu->yielded = false;
    d.unit = cu->unit;
    d.run_ns =
        rt ? cr_rt_run_ns(s, c, cu, now) : cr_run_ns(s, c, cr_best(s, c), now);
    return d;
}

/* credit-rt: the EDF decision among RT-eligible units, if there is one. */
static bool cr_rt_pick(struct scheduler *s, struct cr_cpu *c, uint64_t now,
                       struct sched_decision *d)
{
    struct cr_unit *prev = c->running;
    struct cr_unit *rt = cr_rt_best(s, c, now);
    bool prev_rt =
        prev != NULL && prev->runnable && cr_rt_eligible(s, prev, now);

    if (prev_rt && (rt == NULL || prev->rt_deadline <= rt->rt_deadline)) {
        c->running_rt = true;
        prev->yielded = false;
        d->unit = prev->unit;
        d->run_ns = cr_rt_run_ns(s, c, prev, now);
        return true;
    }
    if (rt == NULL) {
        return false;
    }
    if (prev != NULL && prev->runnable) {
        cr_requeue(c, prev);
    }
    *d = cr_switch_to(s, c, rt, true, now);
    return true;
}

/* May waiting cu move to thief? */
static bool cr_stealable(struct scheduler *s, struct cr_cpu *thief,
                         const struct cr_unit *cu)
{
    return (cu->unit->affinity >> thief->id & 1) != 0 && cu->rt_period == 0 &&
           !cr_parked(s, thief, cu);
}

/* The best waiting unit of busy peers that thief may take, of a
 * priority above floor (-1: any); FIFO order within a peer, peers from
 * thief + 1 on. */
static struct cr_unit *cr_steal_candidate(struct scheduler *s,
                                          struct cr_cpu *thief, int floor,
                                          uint64_t now)
{
    struct cr_unit *best = NULL;
    unsigned int i;

    for (i = 1; i < s->nr_cpus; i++) {
        struct cr_cpu *peer = cr_cpu_of(s, (thief->id + i) % s->nr_cpus);
        struct list_node *pos;

        /* An idle peer schedules its own waiting units. */
        if (peer->running == NULL || !peer->running->runnable) {
            continue;
        }
        cr_advance(s, peer, now);
        list_for_each (pos, &peer->runq) {
            struct cr_unit *cu = list_entry(pos, struct cr_unit, runq);
            int prio = (int)cr_prio_of(cu);

            if (prio > floor && cr_stealable(s, thief, cu) &&
                (best == NULL || prio > (int)cr_prio_of(best))) {
                best = cu;
            }
        }
        if (best != NULL) {
            return best;
        }
    }
    return NULL;
}

/* Moves waiting cu to thief's run queue and accounting. */
static void cr_steal(struct scheduler *s, struct cr_cpu *thief,
                     struct cr_unit *cu, uint64_t now)
{
    unsigned int from = cu->cpu;

    list_remove(&cu->runq);
    list_remove(&cu->all);
    cu->cpu = thief->id;
    cu->unit->cpu = thief->id;
    list_append(&thief->all, &cu->all);
    list_append(&thief->runq, &cu->runq);
    sched_trace(s, thief->id, now, SCHED_EV_STEAL, cu->unit, from);
}

/* Load balancing for c, whose own choice is `mine` (NULL: idle): a unit
 * to take from a peer instead, already moved here, or NULL. */
static struct cr_unit *cr_balance(struct scheduler *s, struct cr_cpu *c,
                                  const struct cr_unit *mine, uint64_t now)
{
    struct cr_unit *cu;
    int floor = mine != NULL ? (int)cr_prio_of(mine) : -1;

    if (cr_priv(s)->nr_migratable == 0 || floor >= (int)CR_PRIO_UNDER) {
        return NULL;
    }
    cu = cr_steal_candidate(s, c, floor, now);
    if (cu != NULL) {
        cr_steal(s, c, cu, now);
    }
    return cu;
}

static struct sched_decision cr_pick_next(struct scheduler *s, unsigned int cpu,
                                          uint64_t now)
{
    struct cr_cpu *c = cr_cpu_of(s, cpu);
    struct cr_unit *prev = c->running;
    struct sched_decision d = {NULL, 0};
    struct cr_unit *stolen = NULL;
    struct cr_unit *best;

    cr_advance(s, c, now);
    if (cr_priv(s)->rt_enabled && cr_rt_pick(s, c, now, &d)) {
        return d;
    }
    c->running_rt = false;
    best = cr_best(s, c);
    if (prev != NULL && prev->runnable) {
        bool fresh = prev->yielded || now >= c->slice_end;

        if (!cr_must_switch(s, c, prev, best, now)) {
            /* Xen balances only at a fresh decision, not in a slice. */
            stolen = fresh ? cr_balance(s, c, prev, now) : NULL;
            if (stolen == NULL) {
                if (fresh) {
                    c->slice_end = now + cr_priv(s)->tslice_ns;
                }
                prev->yielded = false;
                d.unit = prev->unit;
                d.run_ns = cr_run_ns(s, c, best, now);
                return d;
            }
            best = stolen;
        }
        cr_requeue(c, prev);
    }
    c->running = NULL;
    if (stolen == NULL) {
        stolen = cr_balance(s, c, best, now);
        best = stolen != NULL ? stolen : best;
    }
    if (best == NULL) {
        if (cr_any_parked(s, c) || cr_priv(s)->nr_migratable != 0) {
            /* Look again at the next boundary: caps refill, and peers
             * may have queued work this CPU could take. */
            d.run_ns = (c->period + 1) * cr_priv(s)->tick_ns - now;
        }
        return d;
    }
    return cr_switch_to(s, c, best, false, now);
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
            if (cu->rt_period != 0) {
                s->env.print("credit: cpu%u vm%u vcpu%u reservation %lu/%lu "
                             "us, %lu us left\n",
                             cpu, cu->unit->vm_id, cu->unit->vcpu_id,
                             (unsigned long)(cu->rt_budget / CR_US),
                             (unsigned long)(cu->rt_period / CR_US),
                             (unsigned long)(cu->rt_left / CR_US));
            }
        }
    }
}

/* The hooks both credit policies share; credit-rt adds reservations. */
#define CREDIT_SHARED_OPS                                                      \
    .deinit = cr_deinit, .insert_unit = cr_insert_unit,                        \
    .remove_unit = cr_remove_unit, .wake = cr_wake, .sleep = cr_sleep,         \
    .yield = cr_yield, .pick_next = cr_pick_next, .dump = cr_dump,             \
    .set_vm_params = cr_set_vm_params, .get_vm_params = cr_get_vm_params,      \
    .set_params = cr_set_params, .get_params = cr_get_params

static const struct sched_ops credit_ops = {
    .name = "credit",
    .init = cr_init,
    CREDIT_SHARED_OPS,
};
SCHED_REGISTER(credit_ops);

static const struct sched_ops credit_rt_ops = {
    .name = "credit-rt",
    .init = cr_rt_init,
    .set_reservation = cr_set_reservation,
    CREDIT_SHARED_OPS,
};
SCHED_REGISTER(credit_rt_ops);
