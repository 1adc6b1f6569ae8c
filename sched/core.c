/* SPDX-License-Identifier: MIT */
/*
 * Scheduler core: policy registry (the sched_ops section), instance setup
 * and the wrappers the hypervisor and the simulator call. See
 * sched/sched.h for the design and locking rules.
 */
#include <sched/sched.h>
#include <string.h>

extern const struct sched_ops *const __start_sched_ops[];
extern const struct sched_ops *const __stop_sched_ops[];

#define SCHED_EINVAL (-22)

const struct sched_ops *sched_find(const char *name)
{
    const struct sched_ops *const *p;

    for (p = __start_sched_ops; p < __stop_sched_ops; p++) {
        if (strcmp((*p)->name, name) == 0) {
            return *p;
        }
    }
    return NULL;
}

void sched_list(const struct sched_env *env)
{
    const struct sched_ops *const *p;

    for (p = __start_sched_ops; p < __stop_sched_ops; p++) {
        env->print(" %s", (*p)->name);
    }
}

static bool ops_complete(const struct sched_ops *o)
{
    return o->name != NULL && o->init != NULL && o->insert_unit != NULL &&
           o->remove_unit != NULL && o->wake != NULL && o->sleep != NULL &&
           o->pick_next != NULL;
}

int sched_init(struct scheduler *s, const char *name, unsigned int nr_cpus,
               const struct sched_env *env)
{
    const struct sched_ops *ops = sched_find(name);

    memset(s, 0, sizeof(*s));
    if (ops == NULL || !ops_complete(ops) || nr_cpus == 0 ||
        nr_cpus > SCHED_MAX_CPUS || env == NULL || env->zalloc == NULL) {
        return SCHED_EINVAL;
    }
    s->ops = ops;
    s->nr_cpus = nr_cpus;
    s->env = *env;
    return ops->init(s);
}

void sched_deinit(struct scheduler *s)
{
    if (s->ops != NULL && s->ops->deinit != NULL) {
        s->ops->deinit(s);
    }
    s->ops = NULL;
}

int sched_insert(struct scheduler *s, struct sched_unit *u)
{
    /* An affinity names only existing CPUs, the unit's own among them. */
    if (u->cpu >= s->nr_cpus ||
        (u->affinity != 0 && ((u->affinity >> s->nr_cpus) != 0 ||
                              (u->affinity >> u->cpu & 1) == 0))) {
        return SCHED_EINVAL;
    }
    return s->ops->insert_unit(s, u);
}

void sched_remove(struct scheduler *s, struct sched_unit *u)
{
    if (s->curr[u->cpu] == u) {
        s->curr[u->cpu] = NULL;
    }
    s->ops->remove_unit(s, u);
}

const char *sched_event_name(enum sched_event ev)
{
    static const char *const names[SCHED_EV_COUNT] = {
        [SCHED_EV_WAKE] = "wake",
        [SCHED_EV_BLOCK] = "block",
        [SCHED_EV_SWITCH_IN] = "switch_in",
        [SCHED_EV_SWITCH_OUT] = "switch_out",
        [SCHED_EV_BOOST] = "boost",
        [SCHED_EV_BUDGET_OUT] = "budget_out",
        [SCHED_EV_REPLENISH] = "replenish",
        [SCHED_EV_STEAL] = "steal",
    };

    return (unsigned int)ev < SCHED_EV_COUNT ? names[ev] : "?";
}

void sched_wake(struct scheduler *s, struct sched_unit *u, uint64_t now)
{
    sched_trace(s, u->cpu, now, SCHED_EV_WAKE, u, 0);
    s->ops->wake(s, u, now);
}

void sched_sleep(struct scheduler *s, struct sched_unit *u, uint64_t now)
{
    sched_trace(s, u->cpu, now, SCHED_EV_BLOCK, u, 0);
    s->ops->sleep(s, u, now);
}

void sched_yield_unit(struct scheduler *s, struct sched_unit *u, uint64_t now)
{
    if (s->ops->yield != NULL) {
        s->ops->yield(s, u, now);
    }
}

struct sched_decision sched_pick_next(struct scheduler *s, unsigned int cpu,
                                      uint64_t now)
{
    struct sched_decision d;
    struct sched_unit *prev = s->curr[cpu];

    if (prev != NULL && now > s->picked_at[cpu]) {
        prev->run_ns += now - s->picked_at[cpu];
    }
    d = s->ops->pick_next(s, cpu, now);
    if (d.unit != prev) {
        if (prev != NULL) {
            sched_trace(s, cpu, now, SCHED_EV_SWITCH_OUT, prev, 0);
        }
        if (d.unit != NULL) {
            sched_trace(s, cpu, now, SCHED_EV_SWITCH_IN, d.unit, d.run_ns);
        }
    }
    s->curr[cpu] = d.unit;
    s->picked_at[cpu] = now;
    return d;
}

int sched_set_vm_params(struct scheduler *s, unsigned int vm_id,
                        unsigned int weight, unsigned int cap_pct)
{
    if (s->ops == NULL || s->ops->set_vm_params == NULL) {
        return SCHED_EINVAL;
    }
    return s->ops->set_vm_params(s, vm_id, weight, cap_pct);
}

int sched_get_vm_params(struct scheduler *s, unsigned int vm_id,
                        unsigned int *weight, unsigned int *cap_pct)
{
    if (s->ops == NULL || s->ops->get_vm_params == NULL) {
        return SCHED_EINVAL;
    }
    return s->ops->get_vm_params(s, vm_id, weight, cap_pct);
}

int sched_set_reservation(struct scheduler *s, struct sched_unit *u,
                          uint64_t period_ns, uint64_t budget_ns)
{
    if (s->ops == NULL || s->ops->set_reservation == NULL ||
        budget_ns > period_ns) {
        return SCHED_EINVAL;
    }
    return s->ops->set_reservation(s, u, period_ns, budget_ns);
}

int sched_set_params(struct scheduler *s, const struct sched_params *p)
{
    if (s->ops == NULL || s->ops->set_params == NULL) {
        return SCHED_EINVAL;
    }
    return s->ops->set_params(s, p);
}

void sched_get_params(struct scheduler *s, struct sched_params *p)
{
    memset(p, 0, sizeof(*p));
    if (s->ops != NULL && s->ops->get_params != NULL) {
        s->ops->get_params(s, p);
    }
}

void sched_dump(struct scheduler *s)
{
    if (s->ops->dump != NULL) {
        s->ops->dump(s);
    }
}
