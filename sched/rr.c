/* SPDX-License-Identifier: MIT */
/*
 * Round-robin policy ("rr"): one FIFO of runnable units per CPU and a fixed
 * time slice (CONFIG_SCHED_RR_SLICE_US). The running unit is not in the
 * FIFO; when its slice ends, or it yields, it goes to the tail.
 *
 * Locking: per-CPU state, serialised by the caller (see sched/sched.h).
 */
#include <hv/list.h>
#include <sched/sched.h>

#ifndef CONFIG_SCHED_RR_SLICE_US
#define CONFIG_SCHED_RR_SLICE_US 10000
#endif

#define RR_SLICE_NS ((uint64_t)CONFIG_SCHED_RR_SLICE_US * 1000)

struct rr_unit {
    struct list_node node;
    struct sched_unit *unit;
    bool runnable;
    bool yielded;
};

struct rr_cpu {
    struct list_node queue;
    struct rr_unit *running;
    uint64_t slice_end;
};

struct rr_priv {
    struct rr_cpu cpus[SCHED_MAX_CPUS];
};

static struct rr_cpu *rr_cpu_of(struct scheduler *s, unsigned int cpu)
{
    return &((struct rr_priv *)s->priv)->cpus[cpu];
}

static int rr_init(struct scheduler *s)
{
    struct rr_priv *p = s->env.zalloc(sizeof(*p));
    unsigned int i;

    if (p == NULL) {
        return -12;
    }
    for (i = 0; i < SCHED_MAX_CPUS; i++) {
        list_init(&p->cpus[i].queue);
    }
    s->priv = p;
    return 0;
}

static void rr_deinit(struct scheduler *s)
{
    if (s->env.free != NULL) {
        s->env.free(s->priv);
    }
    s->priv = NULL;
}

static int rr_insert_unit(struct scheduler *s, struct sched_unit *u)
{
    struct rr_unit *ru = s->env.zalloc(sizeof(*ru));

    if (ru == NULL) {
        return -12;
    }
    list_init(&ru->node);
    ru->unit = u;
    u->priv = ru;
    return 0;
}

static void rr_remove_unit(struct scheduler *s, struct sched_unit *u)
{
    struct rr_unit *ru = u->priv;
    struct rr_cpu *c = rr_cpu_of(s, u->cpu);

    if (list_linked(&ru->node)) {
        list_remove(&ru->node);
    }
    if (c->running == ru) {
        c->running = NULL;
    }
    u->priv = NULL;
    if (s->env.free != NULL) {
        s->env.free(ru);
    }
}

static void rr_wake(struct scheduler *s, struct sched_unit *u, uint64_t now)
{
    struct rr_unit *ru = u->priv;
    struct rr_cpu *c = rr_cpu_of(s, u->cpu);

    if (ru->runnable) {
        return;
    }
    ru->runnable = true;
    if (c->running != ru) {
        list_append(&c->queue, &ru->node);
    }
}

static void rr_sleep(struct scheduler *s, struct sched_unit *u, uint64_t now)
{
    struct rr_unit *ru = u->priv;

    ru->runnable = false;
    if (list_linked(&ru->node)) {
        list_remove(&ru->node);
    }
}

static void rr_yield(struct scheduler *s, struct sched_unit *u, uint64_t now)
{
    ((struct rr_unit *)u->priv)->yielded = true;
}

static struct sched_decision rr_pick_next(struct scheduler *s, unsigned int cpu,
                                          uint64_t now)
{
    struct rr_cpu *c = rr_cpu_of(s, cpu);
    struct rr_unit *prev = c->running;
    struct sched_decision d = {NULL, 0};

    if (prev != NULL && prev->runnable) {
        bool expired = now >= c->slice_end || prev->yielded;

        if (!expired || list_empty(&c->queue)) {
            if (expired) {
                c->slice_end = now + RR_SLICE_NS;
            }
            prev->yielded = false;
            d.unit = prev->unit;
            d.run_ns = c->slice_end - now;
            return d;
        }
        prev->yielded = false;
        list_append(&c->queue, &prev->node);
    }
    c->running = NULL;
    if (list_empty(&c->queue)) {
        return d;
    }
    c->running = list_entry(c->queue.next, struct rr_unit, node);
    list_remove(&c->running->node);
    c->slice_end = now + RR_SLICE_NS;
    d.unit = c->running->unit;
    d.run_ns = RR_SLICE_NS;
    return d;
}

static void rr_dump(struct scheduler *s)
{
    unsigned int cpu;

    if (s->env.print == NULL) {
        return;
    }
    for (cpu = 0; cpu < s->nr_cpus; cpu++) {
        struct rr_cpu *c = rr_cpu_of(s, cpu);
        struct list_node *pos;
        unsigned int n = 0;

        list_for_each (pos, &c->queue) {
            n++;
        }
        s->env.print("rr: cpu%u running %s, %u queued\n", cpu,
                     c->running != NULL ? "a unit" : "nothing", n);
    }
}

static const struct sched_ops rr_ops = {
    .name = "rr",
    .init = rr_init,
    .deinit = rr_deinit,
    .insert_unit = rr_insert_unit,
    .remove_unit = rr_remove_unit,
    .wake = rr_wake,
    .sleep = rr_sleep,
    .yield = rr_yield,
    .pick_next = rr_pick_next,
    .dump = rr_dump,
};
SCHED_REGISTER(rr_ops);
