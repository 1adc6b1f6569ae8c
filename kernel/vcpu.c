/* SPDX-License-Identifier: MIT */
/*
 * vCPU scheduling glue between the exit path and the scheduler policy.
 *
 * Design: every guest exit ends in vcpu_schedule(). It consults the policy
 * only when something asked for it (need_resched: a slice ended, a vCPU
 * woke, blocked, yielded or stopped), so plain MMIO exits go straight back.
 * With nothing runnable the CPU idles inside vcpu_schedule() until a timer
 * or a kick makes something runnable.
 *
 * Locking: vCPUs are pinned; all scheduler calls for a CPU are made by that
 * CPU with interrupts masked. The one cross-CPU path, stopping another
 * CPU's vCPU, only sets its state and kicks the owner, which takes it off
 * its run queue the next time it schedules.
 */
#include <asm/pcpu.h>
#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/page_alloc.h>
#include <hv/printk.h>
#include <hv/vcpu.h>
#include <hv/vm.h>

static struct scheduler hv_sched;
static bool need_resched[CONFIG_NR_CPUS];
static struct timer_event slice_timers[CONFIG_NR_CPUS];

static void sched_print(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
}

static void sched_free(void *p)
{
    (void)p; /* boot-time objects are never freed */
}

int vcpu_sched_init(const char *policy, unsigned int nr_cpus);

int vcpu_sched_init(const char *policy, unsigned int nr_cpus)
{
    const struct sched_env env = {kzalloc, sched_free, sched_print};
    int rc = sched_init(&hv_sched, policy, nr_cpus, &env);

    if (rc != 0) {
        pr_err("scheduler \"%s\" unavailable; registered:", policy);
        sched_list(&env);
        printk("\n");
        return -HV_EINVAL;
    }
    pr_info("scheduler: %s", policy);
    return 0;
}

void vcpu_request_resched(void)
{
    need_resched[arch_cpu_id()] = true;
}

static void slice_expired(struct timer_event *ev, uint64_t now)
{
    need_resched[ev->cpu] = true;
}

static void wake_timer_fired(struct timer_event *ev, uint64_t now)
{
    vcpu_wake(container_of(ev, struct vcpu, wake_timer));
}

int vcpu_create(struct vm *vm, unsigned int id, unsigned int pcpu,
                uint64_t entry, uint64_t arg, struct vcpu **out)
{
    struct vcpu *v = kzalloc(sizeof(*v));
    int rc;

    if (v == NULL) {
        return -HV_ENOMEM;
    }
    _Static_assert(offsetof(struct vcpu, arch) == 0, "arch first");
    v->vm = vm;
    v->id = id;
    v->pcpu = pcpu;
    v->state = VCPU_BLOCKED;
    v->unit.cpu = pcpu;
    v->unit.vm_id = vm->id;
    v->unit.vcpu_id = id;
    timer_event_init(&v->wake_timer, pcpu, wake_timer_fired);
    arch_vcpu_init(v, entry, arg);
    rc = sched_insert(&hv_sched, &v->unit);
    if (rc != 0) {
        return -HV_ENOMEM;
    }
    *out = v;
    return 0;
}

struct vcpu *vcpu_current(void)
{
    return this_pcpu()->current;
}

/*
 * Wakes v. Runs on v's CPU, except at boot, before that CPU is started.
 */
void vcpu_wake(struct vcpu *v)
{
    if (v->state != VCPU_BLOCKED) {
        return;
    }
    v->state = VCPU_RUNNABLE;
    sched_wake(&hv_sched, &v->unit, timer_now_ns());
    need_resched[v->pcpu] = true;
}

void vcpu_wfi(struct vcpu *v)
{
    if (arch_vcpu_irq_pending(v)) {
        return;
    }
    v->state = VCPU_BLOCKED;
    sched_sleep(&hv_sched, &v->unit, timer_now_ns());
    need_resched[v->pcpu] = true;
}

void vcpu_yield(struct vcpu *v)
{
    sched_yield(&hv_sched, &v->unit, timer_now_ns());
    need_resched[v->pcpu] = true;
}

void vcpu_stop(struct vcpu *v)
{
    v->state = VCPU_STOPPED;
    if (v->pcpu == arch_cpu_id()) {
        need_resched[v->pcpu] = true;
    } else {
        arch_cpu_kick(v->pcpu);
    }
}

/* Takes a vCPU off this CPU, arming its wake-up if it is blocked. */
static void vcpu_put(struct vcpu *v)
{
    uint64_t deadline;

    arch_vcpu_put(v);
    if (v->state == VCPU_BLOCKED) {
        deadline = arch_vcpu_next_timer_ns(v);
        if (deadline != 0) {
            timer_arm(&v->wake_timer, deadline);
        }
    } else if (v->state == VCPU_STOPPED) {
        sched_sleep(&hv_sched, &v->unit, timer_now_ns());
    }
}

struct arch_regs *vcpu_schedule(void)
{
    struct pcpu *pc = this_pcpu();
    unsigned int cpu = pc->id;

    for (;;) {
        struct vcpu *cur = pc->current;
        struct sched_decision d;
        struct vcpu *next;
        uint64_t now;

        if (cur != NULL && cur->state == VCPU_RUNNABLE && !need_resched[cpu]) {
            return arch_vcpu_regs(cur);
        }
        need_resched[cpu] = false;
        if (cur != NULL && cur->state == VCPU_STOPPED) {
            sched_sleep(&hv_sched, &cur->unit, timer_now_ns());
        }
        now = timer_now_ns();
        d = sched_pick_next(&hv_sched, cpu, now);
        next = d.unit != NULL ? container_of(d.unit, struct vcpu, unit) : NULL;
        if (next != NULL && next->state != VCPU_RUNNABLE) {
            /* Stopped from another CPU while queued: drop it, pick again. */
            sched_sleep(&hv_sched, &next->unit, now);
            need_resched[cpu] = true;
            continue;
        }
        if (next != cur) {
            if (cur != NULL) {
                vcpu_put(cur);
            }
            pc->current = next;
            if (next != NULL) {
                timer_cancel(&next->wake_timer);
                arch_vcpu_load(next);
            }
        }
        if (d.run_ns != 0) {
            timer_arm(&slice_timers[cpu], now + d.run_ns);
        } else {
            timer_cancel(&slice_timers[cpu]);
        }
        if (next != NULL) {
            return arch_vcpu_regs(next);
        }
        /* Nothing to run: wait for an interrupt (timers, kicks). */
        while (!need_resched[cpu]) {
            arch_cpu_idle();
        }
    }
}

void vcpu_run_loop(void)
{
    unsigned int cpu = arch_cpu_id();

    timer_event_init(&slice_timers[cpu], cpu, slice_expired);
    need_resched[cpu] = true;
    vcpu_schedule();
    arch_vcpu_enter(this_pcpu()->current);
}
