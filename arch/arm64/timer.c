/* SPDX-License-Identifier: MIT */
/*
 * The generic timer at EL2: the physical counter as Shoji's clock and the
 * EL2 physical timer (CNTHP) as each CPU's one hardware timer, under the
 * per-CPU software timers of kernel/timer.c.
 */
#include <asm/sysreg.h>
#include <hv/arch.h>

#define NSEC_PER_SEC 1000000000UL

static uint64_t cnt_freq;

void arch_timer_init(void);

void arch_timer_init(void)
{
    cnt_freq = SYSREG_READ(cntfrq_el0);
    SYSREG_WRITE(cnthp_ctl_el2, 0);
}

uint64_t arch_ticks_to_ns(uint64_t ticks);
uint64_t arch_ns_to_ticks(uint64_t ns);

uint64_t arch_ticks_to_ns(uint64_t ticks)
{
    return (ticks / cnt_freq) * NSEC_PER_SEC +
           ((ticks % cnt_freq) * NSEC_PER_SEC) / cnt_freq;
}

uint64_t arch_ns_to_ticks(uint64_t ns)
{
    return (ns / NSEC_PER_SEC) * cnt_freq +
           ((ns % NSEC_PER_SEC) * cnt_freq) / NSEC_PER_SEC;
}

uint64_t arch_timer_now_ns(void)
{
    isb();
    return arch_ticks_to_ns(SYSREG_READ(cntpct_el0));
}

void arch_timer_set_deadline(uint64_t deadline_ns)
{
    if (deadline_ns == 0) {
        SYSREG_WRITE(cnthp_ctl_el2, 0);
        return;
    }
    /* Round up so the timer never fires before the deadline. */
    SYSREG_WRITE(cnthp_cval_el2, arch_ns_to_ticks(deadline_ns) + 1);
    SYSREG_WRITE(cnthp_ctl_el2, CNT_CTL_ENABLE);
    isb();
}
