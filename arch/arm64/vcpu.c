/* SPDX-License-Identifier: MIT */
/*
 * vCPU state switch: the EL1 system registers, the virtual timer and the
 * vGIC move between hardware and struct arch_vcpu when a vCPU is loaded
 * or put. General-purpose and FP/SIMD registers are handled by entry.S on
 * every exit and entry.
 */
#include <asm/pcpu.h>
#include <asm/sysreg.h>
#include <asm/traps.h>
#include <asm/vgic_v3.h>
#include <asm/vptimer.h>
#include <hv/arch.h>
#include <hv/vcpu.h>
#include <hv/vm.h>
#include <string.h>

/* SCTLR_EL1 at reset with the MMU and caches off (RES1 bits only). */
#define SCTLR_EL1_RESET 0x30d00800UL
#define CPACR_FPEN (3UL << 20)
#define MPIDR_RES1 (1UL << 31)

uint64_t arch_ns_to_ticks(uint64_t ns);
uint64_t arch_ticks_to_ns(uint64_t ticks);

void arch_vcpu_create(struct vcpu *v)
{
    v->arch.sys_cpu = -1;
    vgic_vcpu_reset(v);
    vptimer_init(v);
}

void arch_vcpu_init(struct vcpu *v, uint64_t entry, uint64_t arg)
{
    struct arch_vcpu *a = &v->arch;

    memset(&a->regs, 0, sizeof(a->regs));
    memset(&a->sys, 0, sizeof(a->sys));
    a->regs.pc = entry;
    a->regs.pstate = PSR_MODE_EL1H | PSR_DAIF;
    a->regs.x[0] = arg;
    a->sys.sctlr_el1 = SCTLR_EL1_RESET;
    a->sys.cpacr_el1 = CPACR_FPEN;
    a->sys.vmpidr_el2 = MPIDR_RES1 | v->id;
    a->cntv_ctl = 0;
    a->cntv_cval = 0;
    a->sys_cpu = -1; /* `sys` changed: load it in full */
    vptimer_init(v);
}

struct arch_regs *arch_vcpu_regs(struct vcpu *v)
{
    return &v->arch.regs;
}

#define SAVE(r) s->r = SYSREG_READ(r)
#define LOAD(r) SYSREG_WRITE(r, s->r)

/* Has v's virtual timer condition been met (its output asserted)? */
static bool vtimer_expired(const struct vcpu *v)
{
    uint64_t now = SYSREG_READ(cntpct_el0);

    return (v->arch.cntv_ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) ==
               CNT_CTL_ENABLE &&
           now >= v->vm->arch.cntvoff &&
           now - v->vm->arch.cntvoff >= v->arch.cntv_cval;
}

/*
 * Writes a vCPU's EL1 context into this CPU's registers. Not cheap under
 * emulation: QEMU flushes its whole TLB on every SCTLR_EL1 or TCR_EL1
 * write, so the guest's translations must all be walked again after.
 */
static void arch_vcpu_load_sys(const struct arch_sysregs *s)
{
    LOAD(sctlr_el1);
    LOAD(ttbr0_el1);
    LOAD(ttbr1_el1);
    LOAD(tcr_el1);
    LOAD(mair_el1);
    LOAD(amair_el1);
    LOAD(vbar_el1);
    LOAD(esr_el1);
    LOAD(far_el1);
    LOAD(elr_el1);
    LOAD(spsr_el1);
    LOAD(sp_el1);
    LOAD(sp_el0);
    LOAD(tpidr_el0);
    LOAD(tpidrro_el0);
    LOAD(tpidr_el1);
    LOAD(contextidr_el1);
    LOAD(cpacr_el1);
    LOAD(cntkctl_el1);
    LOAD(par_el1);
    LOAD(afsr0_el1);
    LOAD(afsr1_el1);
    LOAD(csselr_el1);
    LOAD(mdscr_el1);
    LOAD(vmpidr_el2);
}

/*
 * Skips the EL1 context when this CPU's registers still hold it: v was
 * the last vCPU loaded here (el1_owner), nothing else was loaded since,
 * and v has not been loaded elsewhere or reset since (sys_cpu). That is
 * the common case of a guest that waits in WFI on an otherwise idle CPU:
 * put only read the registers, and the idle hypervisor does not touch
 * them.
 */
void arch_vcpu_load(struct vcpu *v)
{
    struct arch_sysregs *s = &v->arch.sys;
    struct arch_vm *avm = &v->vm->arch;
    struct pcpu *pc = this_pcpu();

    SYSREG_WRITE(vttbr_el2, avm->vttbr);
    SYSREG_WRITE(cntvoff_el2, avm->cntvoff);
    if (v->arch.sys_cpu != (int)pc->id || pc->el1_owner != v) {
        arch_vcpu_load_sys(s);
        v->arch.sys_cpu = (int)pc->id;
        pc->el1_owner = v;
    }
    /* Active state of a forwarded timer interrupt first, so the timer
     * cannot raise a second physical interrupt for the same event. */
    vgic_restore(v);
    if (vtimer_expired(v)) {
        /* It fired while v was away: deliver it now rather than take the
         * physical interrupt right after entry only to inject it. */
        vgic_inject_hw_on_load(v, VGIC_VTIMER_INTID);
    }
    SYSREG_WRITE(cntv_cval_el0, v->arch.cntv_cval);
    SYSREG_WRITE(cntv_ctl_el0, v->arch.cntv_ctl);
    isb();
    pc->regs = &v->arch.regs;
}

void arch_vcpu_put(struct vcpu *v)
{
    struct arch_sysregs *s = &v->arch.sys;

    SAVE(sctlr_el1);
    SAVE(ttbr0_el1);
    SAVE(ttbr1_el1);
    SAVE(tcr_el1);
    SAVE(mair_el1);
    SAVE(amair_el1);
    SAVE(vbar_el1);
    SAVE(esr_el1);
    SAVE(far_el1);
    SAVE(elr_el1);
    SAVE(spsr_el1);
    SAVE(sp_el1);
    SAVE(sp_el0);
    SAVE(tpidr_el0);
    SAVE(tpidrro_el0);
    SAVE(tpidr_el1);
    SAVE(contextidr_el1);
    SAVE(cpacr_el1);
    SAVE(cntkctl_el1);
    SAVE(par_el1);
    SAVE(afsr0_el1);
    SAVE(afsr1_el1);
    SAVE(csselr_el1);
    SAVE(mdscr_el1);
    v->arch.cntv_ctl = SYSREG_READ(cntv_ctl_el0) & ~CNT_CTL_ISTATUS;
    v->arch.cntv_cval = SYSREG_READ(cntv_cval_el0);
    /* Silence the timer so it cannot interrupt the next vCPU. */
    SYSREG_WRITE(cntv_ctl_el0, 0);
    isb();
    vgic_save(v);
}

/* Guest TLB maintenance is broadcast (HCR_EL2.FB), so the new CPU holds
 * no stale translations of v's VMID: only the timers need to move. */
void arch_vcpu_move_out(struct vcpu *v, unsigned int to)
{
    vptimer_move_out(v, to);
}

void arch_vcpu_move_in(struct vcpu *v)
{
    vptimer_move_in(v);
}

bool arch_vcpu_irq_pending(struct vcpu *v)
{
    uint64_t ctl;

    if (vgic_irq_pending(v)) {
        return true;
    }
    if (!__atomic_load_n(&v->loaded, __ATOMIC_ACQUIRE) || v != vcpu_current()) {
        return false;
    }
    /* The timer condition holds: its interrupt is about to be taken. */
    ctl = SYSREG_READ(cntv_ctl_el0);
    return (ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK | CNT_CTL_ISTATUS)) ==
           (CNT_CTL_ENABLE | CNT_CTL_ISTATUS);
}

uint64_t arch_vcpu_next_timer_ns(struct vcpu *v)
{
    uint64_t ns;

    if ((v->arch.cntv_ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) !=
        CNT_CTL_ENABLE) {
        return 0;
    }
    if (v->arch.cntv_cval > UINT64_MAX - v->vm->arch.cntvoff) {
        return 0; /* beyond the end of time: never fires */
    }
    ns = arch_ticks_to_ns(v->arch.cntv_cval + v->vm->arch.cntvoff);
    return ns != 0 ? ns : 1;
}

void arch_vcpu_enter(struct vcpu *v)
{
    vgic_flush(v);
    guest_enter(&v->arch.regs);
}
