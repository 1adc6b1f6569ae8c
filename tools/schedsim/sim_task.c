/* SPDX-License-Identifier: MIT */
/*
 * schedsim task models: what each vCPU does when its next event (a
 * release, an arrival, the end of a block) comes and when its current
 * job's work is done. The engine (sim.c) calls these; they ask it to
 * wake or block the vCPU.
 *
 * Invariant: a vCPU is runnable exactly while it has work left, except
 * a hog, which always has work left (remaining = SIM_NEVER).
 */
#include "sim_internal.h"

bool sim_task_valid(const struct sim_task *t)
{
    switch (t->kind) {
    case SIM_HOG:
        return true;
    case SIM_PERIODIC:
        return t->period_ns > 0 && t->work_ns > 0;
    case SIM_IO:
        return t->run_ns > 0 && t->block_ns > 0;
    case SIM_IRQ:
        return t->gap_ns > 0 && t->work_ns > 0;
    }
    return false;
}

const char *sim_kind_name(enum sim_kind kind)
{
    switch (kind) {
    case SIM_HOG:
        return "hog";
    case SIM_PERIODIC:
        return "periodic";
    case SIM_IO:
        return "io";
    case SIM_IRQ:
        return "irq";
    }
    return "?";
}

/* Starts a new job of work_ns and wakes v for it. */
static void sim_task_release(struct sim_vcpu *v, uint64_t work_ns,
                             bool record_latency)
{
    v->remaining = work_ns;
    v->releases++;
    v->job_late = false;
    sim_vcpu_wake(v, record_latency);
}

/* At time 0. An io vCPU starts in its first burst: that is no wake-up
 * from blocked, so it records no latency. */
void sim_task_start(struct sim_vcpu *v)
{
    const struct sim_task *t = &v->task;
    uint64_t now = v->sim->now;

    v->next_event = SIM_NEVER;
    switch (t->kind) {
    case SIM_HOG:
        v->remaining = SIM_NEVER;
        sim_vcpu_wake(v, false);
        break;
    case SIM_PERIODIC:
        v->next_event = sim_add_sat(now, t->phase_ns);
        break;
    case SIM_IO:
        sim_task_release(v, t->run_ns, false);
        break;
    case SIM_IRQ:
        v->next_event = sim_add_sat(now, sim_rand_exp(&v->rng, t->gap_ns));
        break;
    }
}

/* v's next_event is now. A periodic release that finds the previous job
 * unfinished is a deadline miss and is skipped (the late job goes on, and
 * counts once as late);
 * irq arrivals while busy queue their work behind the current one. */
void sim_task_event(struct sim_vcpu *v)
{
    const struct sim_task *t = &v->task;
    uint64_t now = v->sim->now;

    v->next_event = SIM_NEVER;
    switch (t->kind) {
    case SIM_HOG:
        break;
    case SIM_PERIODIC:
        v->next_event = sim_add_sat(now, t->period_ns);
        if (v->remaining > 0) {
            v->misses++;
            v->late += v->job_late ? 0 : 1;
            v->job_late = true;
        } else {
            sim_task_release(v, t->work_ns, true);
        }
        break;
    case SIM_IO:
        sim_task_release(v, t->run_ns, true);
        break;
    case SIM_IRQ:
        v->next_event = sim_add_sat(now, sim_rand_exp(&v->rng, t->gap_ns));
        if (v->runnable) {
            v->releases++;
            v->remaining = sim_add_sat(v->remaining, t->work_ns);
        } else {
            sim_task_release(v, t->work_ns, true);
        }
        break;
    }
}

/* v ran its job to the end (remaining reached 0): it blocks. */
void sim_task_done(struct sim_vcpu *v)
{
    const struct sim_task *t = &v->task;
    uint64_t block;

    sim_vcpu_block(v);
    if (t->kind == SIM_IO) {
        block = t->block_exp ? sim_rand_exp(&v->rng, t->block_ns) : t->block_ns;
        v->next_event = sim_add_sat(v->sim->now, block);
    }
}
