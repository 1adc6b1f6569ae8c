/* SPDX-License-Identifier: MIT */
/*
 * Guest exits: synchronous traps (WFI, HVC/SMC, stage-2 data and
 * instruction aborts, everything else) and physical interrupts.
 *
 * Anything a guest can cause is handled here without panicking: accesses
 * to IPAs it was not given and traps Shoji does not emulate are injected
 * back into the guest as a synchronous abort or an undefined instruction,
 * exactly as if its own hardware had refused them. Only an exception taken
 * at EL2 itself (a Shoji bug) panics, with a register dump.
 */
#include <asm/esr.h>
#include <asm/gic_v3.h>
#include <asm/pcpu.h>
#include <asm/platform.h>
#include <asm/smccc.h>
#include <asm/sysreg.h>
#include <asm/traps.h>
#include <asm/vgic_v3.h>
#include <hv/arch.h>
#include <hv/irq.h>
#include <hv/printk.h>
#include <hv/timer.h>
#include <hv/vcpu.h>
#include <hv/vm.h>
#include <hv/work.h>

/* Faults logged per VM before the log goes quiet (a hostile guest may
 * cause thousands). */
#define FAULT_LOG_LIMIT 4

static unsigned int fault_logged[CONFIG_MAX_VMS];

bool sysreg_emulate(struct vcpu *v, uint64_t esr);

static void log_fault(struct vcpu *v, const char *what, uint64_t addr)
{
    unsigned int *n = &fault_logged[v->vm->id % CONFIG_MAX_VMS];

    if (*n < FAULT_LOG_LIMIT) {
        pr_info("vm %s: %s at 0x%lx (pc 0x%lx): abort injected", v->vm->name,
                what, (unsigned long)addr, (unsigned long)v->arch.regs.pc);
    } else if (*n == FAULT_LOG_LIMIT) {
        pr_info("vm %s: further faults are injected without a log line",
                v->vm->name);
    }
    (*n)++;
}

/*
 * Makes the guest take a synchronous exception at EL1 with syndrome esr,
 * as the hardware would: state saved in ELR/SPSR_EL1, PC at VBAR_EL1 plus
 * the offset for the mode it was in, all interrupts masked.
 */
static void inject_sync(struct vcpu *v, uint64_t esr, uint64_t far)
{
    struct arch_regs *r = &v->arch.regs;
    uint64_t mode = r->pstate & (PSR_MODE_MASK | PSR_AARCH32);
    uint64_t off;

    if (mode == PSR_MODE_EL1T) {
        off = 0x000;
    } else if (mode == PSR_MODE_EL1H) {
        off = 0x200;
    } else if (r->pstate & PSR_AARCH32) {
        off = 0x600;
    } else {
        off = 0x400;
    }
    SYSREG_WRITE(esr_el1, esr);
    SYSREG_WRITE(far_el1, far);
    SYSREG_WRITE(elr_el1, r->pc);
    SYSREG_WRITE(spsr_el1, r->pstate);
    r->pc = SYSREG_READ(vbar_el1) + off;
    r->pstate = PSR_MODE_EL1H | PSR_DAIF;
}

static bool from_el1(const struct vcpu *v)
{
    uint64_t mode = v->arch.regs.pstate & PSR_MODE_MASK;

    return !(v->arch.regs.pstate & PSR_AARCH32) &&
           (mode == PSR_MODE_EL1T || mode == PSR_MODE_EL1H);
}

static void inject_abort(struct vcpu *v, bool instruction, bool write,
                         uint64_t far)
{
    inject_sync(v, esr_make_abort(instruction, from_el1(v), write, FSC_SEA),
                far);
}

static void inject_undef(struct vcpu *v)
{
    inject_sync(v, ((uint64_t)EC_UNKNOWN << ESR_EC_SHIFT) | ESR_IL, 0);
}

static uint64_t fault_ipa(void)
{
    return ((SYSREG_READ(hpfar_el2) >> 4) << 12) |
           (SYSREG_READ(far_el2) & 0xfff);
}

static void handle_dabt(struct vcpu *v, uint64_t esr)
{
    struct arch_regs *r = &v->arch.regs;
    struct esr_dabt d = esr_decode_dabt(esr);
    uint64_t far = SYSREG_READ(far_el2);
    uint64_t ipa = fault_ipa();
    uint64_t val = 0;

    if (d.valid && !d.s1ptw) {
        if (d.write) {
            val = d.reg == 31 ? 0 : r->x[d.reg];
            if (d.size < 8) {
                val &= (1UL << (d.size * 8)) - 1;
            }
        }
        if (mmio_access(&v->vm->mmio, v, ipa, d.size, d.write, &val) == 0) {
            if (!d.write && d.reg != 31) {
                unsigned int bits = d.size * 8;

                if (d.sign_extend && bits < 64 && (val >> (bits - 1)) & 1) {
                    val |= ~0UL << bits;
                }
                if (!d.reg64) {
                    val &= 0xffffffffUL;
                }
                r->x[d.reg] = val;
            }
            r->pc += 4;
            return;
        }
    }
    log_fault(v, d.write ? "write" : "read", ipa);
    inject_abort(v, false, d.write, far);
}

static void handle_hypercall(struct vcpu *v, bool smc)
{
    smccc_handle(v);
    if (smc) {
        v->arch.regs.pc += 4; /* a trapped SMC returns to itself */
    }
}

/* The counter an exception class goes to. */
static enum vcpu_exit_kind exit_kind(unsigned int ec)
{
    switch (ec) {
    case EC_WFX:
        return VCPU_EXIT_WFX;
    case EC_HVC64:
    case EC_SMC64:
        return VCPU_EXIT_CALL;
    case EC_DABT_LOW:
        return VCPU_EXIT_MMIO;
    case EC_SYSREG:
        return VCPU_EXIT_SYSREG;
    default:
        return VCPU_EXIT_OTHER;
    }
}

static void handle_sync(struct vcpu *v)
{
    uint64_t esr = SYSREG_READ(esr_el2);
    unsigned int ec = esr_ec(esr);

    v->exits[exit_kind(ec)]++;
    switch (ec) {
    case EC_WFX:
        v->arch.regs.pc += 4;
        if ((esr & 1) == 0) {
            vcpu_wfi(v);
        } else {
            vcpu_yield(v);
        }
        break;
    case EC_HVC64:
        handle_hypercall(v, false);
        break;
    case EC_SMC64:
        handle_hypercall(v, true);
        break;
    case EC_DABT_LOW:
        handle_dabt(v, esr);
        break;
    case EC_IABT_LOW:
        log_fault(v, "instruction fetch", fault_ipa());
        inject_abort(v, true, false, SYSREG_READ(far_el2));
        break;
    case EC_SYSREG:
        if (sysreg_emulate(v, esr)) {
            break;
        }
        __attribute__((fallthrough)); /* not a register Shoji emulates */
    default:
        if (fault_logged[v->vm->id % CONFIG_MAX_VMS]++ < FAULT_LOG_LIMIT) {
            pr_info("vm %s: %s trap (ESR 0x%lx) at pc 0x%lx: undefined "
                    "instruction injected",
                    v->vm->name, esr_ec_name(ec), (unsigned long)esr,
                    (unsigned long)v->arch.regs.pc);
        }
        inject_undef(v);
        break;
    }
}

/* Handles every pending physical interrupt: SGIs and PPIs for Shoji
 * itself and its guests, SPIs through the host-device handler table. The
 * first is acknowledged unasked (an exit or a wake-up announced it), the
 * next ones only while the CPU interface still signals one. */
static void handle_irqs(void)
{
    for (bool first = true;; first = false) {
        unsigned int intid;
        struct vcpu *cur;

        if (!first && !gic_irq_signalled()) {
            return;
        }
        intid = gic_ack();
        if (intid >= 1020) {
            return;
        }
        gic_eoi(intid);
        if (intid >= GIC_FIRST_SPI) {
            /* A host device Shoji drives. Deactivated only after its
             * handler has quietened the device, so a level-triggered line
             * still high from before is not taken a second time. */
            irq_dispatch(intid);
            gic_deactivate(intid);
            continue;
        }
        if (intid == arm_plat.timer_virt_intid &&
            (cur = vcpu_current()) != NULL) {
            /* Stays physically active until the guest deactivates it. */
            vgic_inject_hw(cur, VGIC_VTIMER_INTID);
            continue;
        }
        gic_deactivate(intid);
        if (intid == arm_plat.timer_hyp_intid) {
            timer_process();
        } else if (intid == GIC_SGI_KICK) {
            work_run_pending();
            vcpu_handle_kicks();
        } else if (intid == arm_plat.timer_virt_intid) {
            SYSREG_WRITE(cntv_ctl_el0, 0); /* stray: nobody is loaded */
        }
        /* The maintenance interrupt only needs the exit it caused: the
         * list registers are refilled on the way back in. */
    }
}

void arch_cpu_idle(void)
{
    wfi();
    handle_irqs();
}

struct arch_regs *arch_guest_exit(struct arch_regs *regs, uint64_t kind)
{
    struct vcpu *v = vcpu_current();
    struct arch_regs *next;

    v->nr_exits++;
    vgic_sync(v);
    switch (kind) {
    case GUEST_EXIT_SYNC:
        handle_sync(v);
        break;
    case GUEST_EXIT_IRQ:
    case GUEST_EXIT_FIQ:
        v->exits[VCPU_EXIT_IRQ]++;
        handle_irqs();
        break;
    case GUEST_EXIT_SERROR:
        vm_stop(v->vm, -1, "SError taken from the guest");
        break;
    default:
        vm_stop(v->vm, -1, "exception from AArch32, which is not supported");
        break;
    }
    next = vcpu_schedule();
    vgic_flush(vcpu_current());
    return next;
}

static const char *const hyp_exc_names[] = {
    "sync (SP_EL0)", "IRQ (SP_EL0)", "FIQ (SP_EL0)", "SError (SP_EL0)",
    "sync",          "IRQ",          "FIQ",          "SError",
};

void hyp_exception(struct arch_regs *frame, uint64_t kind)
{
    uint64_t esr = SYSREG_READ(esr_el2);
    unsigned int i;

    printk("shoji: PANIC: unexpected %s exception at EL2 on cpu%u\n",
           kind < ARRAY_SIZE(hyp_exc_names) ? hyp_exc_names[kind] : "?",
           arch_cpu_id());
    printk("  ESR_EL2 0x%016lx (%s)  FAR_EL2 0x%016lx\n", (unsigned long)esr,
           esr_ec_name(esr_ec(esr)), (unsigned long)SYSREG_READ(far_el2));
    printk("  ELR_EL2 0x%016lx  SPSR_EL2 0x%016lx\n", (unsigned long)frame->pc,
           (unsigned long)frame->pstate);
    for (i = 0; i < 30; i += 2) {
        printk("  x%-2u 0x%016lx  x%-2u 0x%016lx\n", i,
               (unsigned long)frame->x[i], i + 1,
               (unsigned long)frame->x[i + 1]);
    }
    printk("  x30 0x%016lx\n", (unsigned long)frame->x[30]);
    panic("EL2 exception");
}
