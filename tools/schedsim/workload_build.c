/* SPDX-License-Identifier: MIT */
/*
 * schedsim: builds the simulator a parsed workload describes, in order
 * (policy, params, VMs, vCPUs with their reservations), and explains
 * each refusal of the policy with the workload line that caused it.
 */
#include <stdarg.h>
#include <string.h>

#include "workload.h"

#define WL_ENOSPC (-28)
/* ns as the two printf arguments of "%llu.%03llu" us. */
#define WB_US(ns)                                                              \
    (unsigned long long)((ns) / 1000), (unsigned long long)((ns) % 1000)

static int wb_error(const struct workload *wl, FILE *err, unsigned int line,
                    const char *fmt, ...)
{
    va_list ap;

    if (err != NULL) {
        if (line != 0) {
            fprintf(err, "%s:%u: ", wl->file, line);
        } else {
            fprintf(err, "%s: ", wl->file);
        }
        va_start(ap, fmt);
        vfprintf(err, fmt, ap);
        va_end(ap);
        fputc('\n', err);
    }
    return -1;
}

/* sched_list() prints through an environment without a context
 * argument: its output goes to this stream. */
static FILE *wb_list_stream;

static void wb_list_print(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfprintf(wb_list_stream, fmt, ap);
    va_end(ap);
}

static int wb_policy_error(const struct workload *wl, FILE *err, int rc)
{
    const struct sched_env env = {.print = wb_list_print};

    if (sched_find(wl->policy) != NULL) {
        return wb_error(wl, err, wl->policy_line,
                        "policy '%s' failed to start on %u cpu(s) (%d)",
                        wl->policy, wl->nr_cpus, rc);
    }
    wb_error(wl, err, wl->policy_line, "unknown policy '%s'", wl->policy);
    if (err != NULL) {
        wb_list_stream = err;
        fprintf(err, "registered policies:");
        sched_list(&env);
        fputc('\n', err);
    }
    return -1;
}

static int wb_param(const struct workload *wl, struct sim *sim,
                    const struct workload_param *wp, FILE *err)
{
    struct scheduler *s = sim_scheduler(sim);
    struct sched_params p;
    int rc;

    sched_get_params(s, &p);
    if (strcmp(wp->name, "tslice_us") == 0) {
        p.tslice_us = wp->value;
    } else if (strcmp(wp->name, "tick_us") == 0) {
        p.tick_us = wp->value;
    } else if (strcmp(wp->name, "ratelimit_us") == 0) {
        p.ratelimit_us = wp->value;
    } else {
        p.rt_share_pct = wp->value;
    }
    rc = sched_set_params(s, &p);
    if (rc != 0) {
        return wb_error(wl, err, wp->line,
                        "policy '%s' refused param %s %u (%d)", wl->policy,
                        wp->name, wp->value, rc);
    }
    return 0;
}

static int wb_vcpu_error(const struct workload *wl, struct sim *sim,
                         const struct workload_vcpu *v, int rc, FILE *err)
{
    const struct workload_vm *vm = &wl->vms[v->vm];
    struct sched_params p;

    if (rc == WL_ENOSPC) {
        sched_get_params(sim_scheduler(sim), &p);
        return wb_error(wl, err, v->line,
                        "vm '%s': reservation of %llu.%03llu us every "
                        "%llu.%03llu us refused by admission control (%d): "
                        "the reservations on cpu %u would exceed "
                        "rt_share_pct %u %%",
                        vm->name, WB_US(vm->rt_budget_ns),
                        WB_US(vm->rt_period_ns), rc, v->cpu, p.rt_share_pct);
    }
    if (vm->rt_budget_ns != 0) {
        return wb_error(wl, err, v->line,
                        "vm '%s': policy '%s' refused the vcpu or its "
                        "reservation (%d)",
                        vm->name, wl->policy, rc);
    }
    return wb_error(wl, err, v->line,
                    "vm '%s': policy '%s' refused the vcpu "
                    "(%d)",
                    vm->name, wl->policy, rc);
}

static int wb_add(const struct workload *wl, struct sim *sim, FILE *err)
{
    unsigned int i;
    int rc;

    for (i = 0; i < wl->nr_params; i++) {
        if (wb_param(wl, sim, &wl->params[i], err) != 0) {
            return -1;
        }
    }
    for (i = 0; i < wl->nr_vms; i++) {
        const struct workload_vm *vm = &wl->vms[i];
        const struct sim_vm_desc d = {vm->name, vm->weight, vm->cap_pct,
                                      vm->rt_period_ns, vm->rt_budget_ns};

        rc = sim_add_vm(sim, &d);
        if (rc < 0) {
            return wb_error(wl, err, vm->line,
                            "vm '%s': policy '%s' refused weight %u cap %u "
                            "(%d)",
                            vm->name, wl->policy, vm->weight, vm->cap_pct, rc);
        }
    }
    for (i = 0; i < wl->nr_vcpus; i++) {
        const struct workload_vcpu *v = &wl->vcpus[i];

        rc = sim_add_vcpu_affine(sim, v->vm, v->cpu, v->affinity, &v->task);
        if (rc < 0) {
            return wb_vcpu_error(wl, sim, v, rc, err);
        }
    }
    return 0;
}

int workload_build(const struct workload *wl, FILE *trace, struct sim **out,
                   FILE *err)
{
    const struct sim_config cfg = {
        .nr_cpus = wl->nr_cpus,
        .policy = wl->policy,
        .seed = wl->seed,
        .switch_cost_ns = wl->switch_cost_ns,
        .put_cost_ns = wl->put_cost_ns,
        .wake_overhead_ns = wl->wake_overhead_ns,
        .wake_jitter_ns = wl->wake_jitter_ns,
        .trace = trace,
    };
    struct sim *sim;
    int rc = sim_create(&sim, &cfg);

    *out = NULL;
    if (rc != 0) {
        return wb_policy_error(wl, err, rc);
    }
    if (wb_add(wl, sim, err) != 0) {
        sim_destroy(sim);
        return -1;
    }
    *out = sim;
    return 0;
}
