/* SPDX-License-Identifier: MIT */
/* Emulated EL1 physical timer; see asm/vptimer.h. */
#include <asm/sysreg.h>
#include <asm/vgic_v3.h>
#include <asm/vptimer.h>
#include <hv/vcpu.h>
#include <hv/vm.h>

uint64_t arch_ticks_to_ns(uint64_t ticks);

static uint64_t counter_now(void)
{
    isb();
    return SYSREG_READ(cntpct_el0);
}

static bool vptimer_armed(const struct vptimer *t)
{
    return (t->ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) == CNT_CTL_ENABLE;
}

/* Recomputes the output level and the software timer. */
static void vptimer_update(struct vcpu *v)
{
    struct vptimer *t = &v->arch.ptimer;
    uint64_t now = counter_now();
    bool fired = (t->ctl & CNT_CTL_ENABLE) && now >= t->cval;

    vgic_set_level(v->vm, v, VGIC_PTIMER_INTID,
                   fired && !(t->ctl & CNT_CTL_IMASK));
    if (vptimer_armed(t) && !fired) {
        timer_arm(&t->ev, arch_ticks_to_ns(t->cval) + 1);
    } else {
        timer_cancel(&t->ev);
    }
}

static void vptimer_fired(struct timer_event *ev, uint64_t now)
{
    struct vptimer *t = container_of(ev, struct vptimer, ev);
    struct arch_vcpu *a = container_of(t, struct arch_vcpu, ptimer);

    vptimer_update((struct vcpu *)(void *)a);
}

void vptimer_init(struct vcpu *v)
{
    struct vptimer *t = &v->arch.ptimer;

    t->ctl = 0;
    t->cval = 0;
    timer_event_init(&t->ev, v->pcpu, vptimer_fired);
}

void vptimer_move_out(struct vcpu *v, unsigned int to)
{
    struct vptimer *t = &v->arch.ptimer;

    timer_cancel(&t->ev);
    timer_event_init(&t->ev, to, vptimer_fired);
}

void vptimer_move_in(struct vcpu *v)
{
    vptimer_update(v);
}

void vptimer_access(struct vcpu *v, unsigned int op2, bool read, uint64_t *val)
{
    struct vptimer *t = &v->arch.ptimer;
    uint64_t now = counter_now();

    switch (op2) {
    case 0: /* TVAL: signed 32-bit distance to the comparator */
        if (read) {
            *val = (uint64_t)(int64_t)(int32_t)(uint32_t)(t->cval - now);
            return;
        }
        t->cval = now + (uint64_t)(int64_t)(int32_t)(uint32_t)*val;
        break;
    case 1: /* CTL */
        if (read) {
            *val = t->ctl;
            if ((t->ctl & CNT_CTL_ENABLE) && now >= t->cval) {
                *val |= CNT_CTL_ISTATUS;
            }
            return;
        }
        t->ctl = *val & (CNT_CTL_ENABLE | CNT_CTL_IMASK);
        break;
    default: /* CVAL */
        if (read) {
            *val = t->cval;
            return;
        }
        t->cval = *val;
        break;
    }
    vptimer_update(v);
}
