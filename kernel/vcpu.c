/* SPDX-License-Identifier: MIT */
/*
 * vCPU life cycle and the glue between the exit path and the scheduler.
 *
 * Design: every guest exit ends in vcpu_schedule(). It consults the policy
 * only when something asked for it (need_resched: a slice ended, a vCPU
 * woke, blocked, yielded, started or stopped), so plain MMIO exits go
 * straight back. With nothing runnable the CPU idles inside vcpu_schedule()
 * until a timer or a kick makes something runnable.
 *
 * Locking: see hv/vcpu.h. The scheduler only hears about a vCPU from its
 * owner, through unit_update(), which brings the policy in line with
 * `state`. `loaded` and `state` are written with sequentially consistent
 * atomics: the owner sets `loaded` before checking `state`, and a CPU
 * stopping the vCPU sets `state` before checking `loaded`, so a VM reset
 * never rewrites a vCPU that is running. Every call into the scheduler
 * holds sched_lock: work stealing lets one CPU's pick_next take a unit
 * waiting in another's run queue. EL2 runs with interrupts masked, so no
 * interrupt handler can ask for the lock on a CPU that holds it.
 *
 * Migration (a vCPU whose cpus-allowed names several CPUs): when pick_next
 * on CPU B returns a unit the policy took from CPU A, B does not own the
 * vCPU yet. B kicks A and waits; A, once the vCPU is put (its registers
 * saved), moves its timers to B and only then writes `pcpu` = B, with
 * release order (vcpu_release_stolen). B reads `pcpu` with acquire order,
 * so it sees the saved state and the timers, and takes over. A CPU that
 * waits for such a handover keeps handing over what others took from it,
 * so two CPUs stealing from each other cannot wait for ever. Kicks follow
 * the owner: the kicker sets `kick` before reading `pcpu`, and the new
 * owner re-examines the vCPU after reading `pcpu`, so a kick sent to the
 * old owner is never lost.
 */
#include <asm/pcpu.h>
#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/page_alloc.h>
#include <hv/printk.h>
#include <hv/trace.h>
#include <hv/vcpu.h>
#include <hv/vm.h>

#define PCPU_MAX_VCPUS (CONFIG_MAX_VMS * CONFIG_MAX_VCPUS_PER_VM)

static struct scheduler hv_sched;
static struct spinlock sched_lock = SPINLOCK_INIT;
static bool need_resched[CONFIG_NR_CPUS];
static bool cpu_idle[CONFIG_NR_CPUS]; /* atomic: waiting for work */
static struct timer_event slice_timers[CONFIG_NR_CPUS];
/* The vCPUs each CPU may run (owned or not); appended to at boot only. */
static struct vcpu *allowed[CONFIG_NR_CPUS][PCPU_MAX_VCPUS];
static unsigned int nr_allowed[CONFIG_NR_CPUS];

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

int vcpu_sched_init(const char *policy, unsigned int nr_cpus)
{
    const struct sched_env env = {
        .zalloc = kzalloc,
        .free = sched_free,
        .print = sched_print,
        .trace = trace_enabled() ? trace_sched_event : NULL,
    };
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

/* The CPU that owns v; changes only when v migrates (see above). */
static unsigned int pcpu_get(const struct vcpu *v)
{
    return __atomic_load_n(&v->pcpu, __ATOMIC_ACQUIRE);
}

static enum vcpu_state state_get(const struct vcpu *v)
{
    return __atomic_load_n(&v->state, __ATOMIC_SEQ_CST);
}

static void state_set(struct vcpu *v, enum vcpu_state s)
{
    __atomic_store_n(&v->state, s, __ATOMIC_SEQ_CST);
}

void vcpu_request_resched(void)
{
    need_resched[arch_cpu_id()] = true;
}

/* A woken v that may run elsewhere also wakes an idle CPU it may run
 * on, whose pick_next can then take it if its own CPU is busy. */
static void tickle_idle(const struct vcpu *v)
{
    unsigned int cpu;

    for (cpu = 0; cpu < CONFIG_NR_CPUS; cpu++) {
        if (cpu != pcpu_get(v) && (v->unit.affinity >> cpu & 1) != 0 &&
            __atomic_load_n(&cpu_idle[cpu], __ATOMIC_ACQUIRE)) {
            arch_cpu_kick(cpu);
            return;
        }
    }
}

/* Owner only: tells the policy whether v can run, if that changed. */
static void unit_update(struct vcpu *v)
{
    bool runnable = state_get(v) == VCPU_RUNNABLE;

    if (runnable == v->sched_awake) {
        return;
    }
    spin_lock(&sched_lock);
    if (runnable) {
        sched_wake(&hv_sched, &v->unit, timer_now_ns());
    } else {
        sched_sleep(&hv_sched, &v->unit, timer_now_ns());
    }
    spin_unlock(&sched_lock);
    v->sched_awake = runnable;
    need_resched[v->pcpu] = true;
    if (runnable && v->unit.affinity != 0) {
        tickle_idle(v);
    }
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
                uint32_t cpus_allowed, struct vcpu **out)
{
    struct vcpu *v = kzalloc(sizeof(*v));
    unsigned int cpu;
    int rc;

    if (v == NULL) {
        return -HV_ENOMEM;
    }
    cpus_allowed |= 1U << pcpu;
    for (cpu = 0; cpu < CONFIG_NR_CPUS; cpu++) {
        if ((cpus_allowed >> cpu & 1) != 0 &&
            nr_allowed[cpu] == PCPU_MAX_VCPUS) {
            return -HV_ENOSPC;
        }
    }
    _Static_assert(offsetof(struct vcpu, arch) == 0, "arch first");
    v->vm = vm;
    v->id = id;
    v->pcpu = pcpu;
    v->state = VCPU_OFF;
    v->unit.cpu = pcpu;
    /* Pinned units carry no mask: the policies never look elsewhere. */
    v->unit.affinity = cpus_allowed != 1U << pcpu ? cpus_allowed : 0;
    v->unit.vm_id = vm->id;
    v->unit.vcpu_id = id;
    timer_event_init(&v->wake_timer, pcpu, wake_timer_fired);
    spin_lock(&sched_lock);
    rc = sched_insert(&hv_sched, &v->unit);
    spin_unlock(&sched_lock);
    if (rc != 0) {
        return rc == -HV_EINVAL ? rc : -HV_ENOMEM;
    }
    for (cpu = 0; cpu < CONFIG_NR_CPUS; cpu++) {
        if ((cpus_allowed >> cpu & 1) != 0) {
            allowed[cpu][nr_allowed[cpu]++] = v;
        }
    }
    *out = v;
    return 0;
}

/* Drops the reservations of vm's vCPUs (after a refusal). */
static void vm_sched_drop_reservations(struct vm *vm)
{
    unsigned int i;

    spin_lock(&sched_lock);
    for (i = 0; i < vm->nr_vcpus; i++) {
        sched_set_reservation(&hv_sched, &vm->vcpus[i]->unit, 0, 0);
    }
    spin_unlock(&sched_lock);
}

int vcpu_sched_configure(struct vm *vm)
{
    const struct vm_config *cfg = vm->cfg;
    unsigned int weight = cfg->sched_weight != 0 ? cfg->sched_weight : 256;
    uint64_t period = (uint64_t)cfg->rt_period_us * 1000;
    uint64_t budget = (uint64_t)cfg->rt_budget_us * 1000;
    unsigned int i;
    int rc;

    /* Always set: a VM id reused after a failed creation starts clean. */
    spin_lock(&sched_lock);
    rc = sched_set_vm_params(&hv_sched, vm->id, weight, cfg->sched_cap_pct);
    spin_unlock(&sched_lock);
    if (rc != 0 && (cfg->sched_weight != 0 || cfg->sched_cap_pct != 0)) {
        pr_warn("vm %s: policy %s has no weight or cap; ignored", vm->name,
                hv_sched.ops->name);
    }
    if (budget == 0) {
        return 0;
    }
    if (hv_sched.ops->set_reservation == NULL) {
        pr_warn("vm %s: policy %s has no reservations (use credit-rt); "
                "reservation ignored",
                vm->name, hv_sched.ops->name);
        return 0;
    }
    for (i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *v = vm->vcpus[i];

        spin_lock(&sched_lock);
        rc = sched_set_reservation(&hv_sched, &v->unit, period, budget);
        spin_unlock(&sched_lock);
        if (rc != 0) {
            struct sched_params sp;

            sched_get_params(&hv_sched, &sp);
            pr_err("vm %s: reservation %lu us every %lu us for vCPU %u "
                   "refused: %s",
                   vm->name, (unsigned long)cfg->rt_budget_us,
                   (unsigned long)cfg->rt_period_us, i,
                   rc == -HV_ENOSPC ? "the reservations on its CPU would "
                                      "exceed the real-time share"
                                    : "invalid");
            if (rc == -HV_ENOSPC) {
                pr_err("vm %s: cpu%u allows %u%% of reservations", vm->name,
                       v->pcpu, sp.rt_share_pct);
            }
            vm_sched_drop_reservations(vm);
            return rc;
        }
    }
    pr_info("vm %s: reservation %lu us every %lu us per vCPU", vm->name,
            (unsigned long)cfg->rt_budget_us, (unsigned long)cfg->rt_period_us);
    return 0;
}

struct vcpu *vcpu_current(void)
{
    return this_pcpu()->current;
}

void vcpu_wake(struct vcpu *v)
{
    if (state_get(v) != VCPU_BLOCKED) {
        return;
    }
    state_set(v, VCPU_RUNNABLE);
    unit_update(v);
}

void vcpu_wfi(struct vcpu *v)
{
    if (arch_vcpu_irq_pending(v)) {
        return;
    }
    state_set(v, VCPU_BLOCKED);
    unit_update(v);
}

void vcpu_yield(struct vcpu *v)
{
    spin_lock(&sched_lock);
    sched_yield_unit(&hv_sched, &v->unit, timer_now_ns());
    spin_unlock(&sched_lock);
    need_resched[v->pcpu] = true;
}

/* Owner only: carries out an accepted PSCI CPU_ON. */
static void vcpu_start(struct vcpu *v)
{
    if (!__atomic_load_n(&v->start_pending, __ATOMIC_ACQUIRE)) {
        return;
    }
    arch_vcpu_init(v, v->start_entry, v->start_arg);
    __atomic_store_n(&v->start_pending, false, __ATOMIC_RELEASE);
    state_set(v, VCPU_RUNNABLE);
    unit_update(v);
}

/* Owner only: brings everything about v up to date. */
static void vcpu_examine(struct vcpu *v)
{
    vcpu_start(v);
    if (state_get(v) == VCPU_BLOCKED && arch_vcpu_irq_pending(v)) {
        vcpu_wake(v);
    }
    unit_update(v);
}

void vcpu_kick(struct vcpu *v)
{
    enum vcpu_state s = state_get(v);

    if ((s == VCPU_OFF || s == VCPU_STOPPED) &&
        !__atomic_load_n(&v->start_pending, __ATOMIC_ACQUIRE) &&
        !v->sched_awake) {
        return; /* nothing for the owner to do */
    }
    if (pcpu_get(v) == arch_cpu_id()) {
        vcpu_examine(v);
        return;
    }
    /* kick before pcpu, both sequentially consistent: see the top. */
    __atomic_store_n(&v->kick, true, __ATOMIC_SEQ_CST);
    arch_cpu_kick(__atomic_load_n(&v->pcpu, __ATOMIC_SEQ_CST));
}

/*
 * Hands the vCPUs that other CPUs' pick_next took from this CPU's run
 * queue over to them: once such a vCPU is put, its timers move to the
 * thief, and then `pcpu` does (release: the thief waits for it).
 */
static void vcpu_release_stolen(unsigned int cpu)
{
    unsigned int i;

    for (i = 0; i < nr_allowed[cpu]; i++) {
        struct vcpu *v = allowed[cpu][i];
        unsigned int to;

        if (v->unit.affinity == 0 || pcpu_get(v) != cpu ||
            v == this_pcpu()->current) {
            continue;
        }
        spin_lock(&sched_lock);
        to = v->unit.cpu;
        spin_unlock(&sched_lock);
        if (to == cpu) {
            continue;
        }
        timer_cancel(&v->wake_timer);
        timer_event_init(&v->wake_timer, to, wake_timer_fired);
        arch_vcpu_move_out(v, to);
        __atomic_store_n(&v->pcpu, to, __ATOMIC_SEQ_CST);
        cpu_send_event();
    }
}

/* Takes over next, which this CPU's pick_next took from its owner. */
static void vcpu_adopt(struct vcpu *next, unsigned int cpu)
{
    arch_cpu_kick(pcpu_get(next));
    while (pcpu_get(next) != cpu) {
        /* The owner may be waiting for a handover from this CPU. */
        vcpu_release_stolen(cpu);
        cpu_wait_event();
    }
    arch_vcpu_move_in(next);
    (void)__atomic_exchange_n(&next->kick, false, __ATOMIC_SEQ_CST);
    vcpu_examine(next);
}

void vcpu_handle_kicks(void)
{
    unsigned int cpu = arch_cpu_id();
    unsigned int i;

    vcpu_release_stolen(cpu);
    for (i = 0; i < nr_allowed[cpu]; i++) {
        struct vcpu *v = allowed[cpu][i];

        /* A vCPU owned elsewhere: its kicks go to its owner. */
        if (pcpu_get(v) != cpu) {
            continue;
        }
        if (__atomic_exchange_n(&v->kick, false, __ATOMIC_SEQ_CST)) {
            vcpu_examine(v);
        }
    }
    /* An idle CPU picks again (tickle_idle: a unit it may take). A busy
     * one only when vcpu_examine changed what may run (unit_update asks
     * then): most kicks only mean "refill the list registers", which
     * the way back into the guest does, and a pick would rearm the slice
     * timer for nothing. */
    if (this_pcpu()->current == NULL) {
        need_resched[cpu] = true;
    }
}

int vcpu_power_on(struct vcpu *v, uint64_t entry, uint64_t arg)
{
    struct vm *vm = v->vm;
    int rc = 0;

    spin_lock(&vm->lock);
    if (v->start_pending) {
        rc = -HV_EAGAIN;
    } else if (state_get(v) != VCPU_OFF || vm->state != VM_RUNNING) {
        rc = -HV_EBUSY;
    } else {
        v->start_entry = entry;
        v->start_arg = arg;
        __atomic_store_n(&v->start_pending, true, __ATOMIC_RELEASE);
    }
    spin_unlock(&vm->lock);
    if (rc == 0) {
        vcpu_kick(v);
    }
    return rc;
}

void vcpu_power_off(struct vcpu *v)
{
    state_set(v, VCPU_OFF);
    unit_update(v);
}

void vcpu_stop(struct vcpu *v)
{
    state_set(v, VCPU_STOPPED);
    __atomic_store_n(&v->start_pending, false, __ATOMIC_RELEASE);
    if (pcpu_get(v) == arch_cpu_id()) {
        unit_update(v);
    } else {
        __atomic_store_n(&v->kick, true, __ATOMIC_SEQ_CST);
        arch_cpu_kick(__atomic_load_n(&v->pcpu, __ATOMIC_SEQ_CST));
    }
}

/* Takes a vCPU off this CPU, arming its wake-up if it is blocked. */
static void vcpu_put(struct vcpu *v)
{
    uint64_t deadline;

    arch_vcpu_put(v);
    __atomic_store_n(&v->loaded, false, __ATOMIC_SEQ_CST);
    if (state_get(v) == VCPU_BLOCKED) {
        deadline = arch_vcpu_next_timer_ns(v);
        if (deadline != 0) {
            timer_arm(&v->wake_timer, deadline);
        }
    }
    vm_reset_progress(v->vm);
}

/* Marks v loaded if it may still run; false when it was stopped. */
static bool vcpu_claim(struct vcpu *v)
{
    __atomic_store_n(&v->loaded, true, __ATOMIC_SEQ_CST);
    if (state_get(v) == VCPU_RUNNABLE) {
        return true;
    }
    __atomic_store_n(&v->loaded, false, __ATOMIC_SEQ_CST);
    unit_update(v);
    vm_reset_progress(v->vm);
    return false;
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

        if (cur != NULL && state_get(cur) == VCPU_RUNNABLE &&
            !need_resched[cpu]) {
            return arch_vcpu_regs(cur);
        }
        need_resched[cpu] = false;
        if (cur != NULL) {
            unit_update(cur);
        }
        now = timer_now_ns();
        spin_lock(&sched_lock);
        d = sched_pick_next(&hv_sched, cpu, now);
        spin_unlock(&sched_lock);
        next = d.unit != NULL ? container_of(d.unit, struct vcpu, unit) : NULL;
        if (next != cur) {
            if (cur != NULL) {
                pc->current = NULL;
                vcpu_put(cur);
                vcpu_release_stolen(cpu);
            }
            if (next != NULL && pcpu_get(next) != cpu) {
                vcpu_adopt(next, cpu);
            }
            if (next != NULL && !vcpu_claim(next)) {
                continue; /* stopped meanwhile: pick again */
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
        __atomic_store_n(&cpu_idle[cpu], true, __ATOMIC_RELEASE);
        while (!need_resched[cpu]) {
            arch_cpu_idle();
        }
        __atomic_store_n(&cpu_idle[cpu], false, __ATOMIC_RELEASE);
    }
}

void vcpu_run_loop(void)
{
    unsigned int cpu = arch_cpu_id();
    unsigned int i;

    timer_event_init(&slice_timers[cpu], cpu, slice_expired);
    for (i = 0; i < nr_allowed[cpu]; i++) {
        if (pcpu_get(allowed[cpu][i]) == cpu) {
            vcpu_examine(allowed[cpu][i]);
        }
    }
    need_resched[cpu] = true;
    vcpu_schedule();
    arch_vcpu_enter(this_pcpu()->current);
}
