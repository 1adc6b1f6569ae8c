/* SPDX-License-Identifier: MIT */
/*
 * Virtual timer: sleep by arming CNTV_CVAL_EL0 and waiting in WFI for the
 * timer PPI. WFI is done with IRQs masked after checking the flag, so a
 * timer interrupt arriving between the check and the WFI still wakes it.
 */
#include <stdbool.h>

#include "exceptions.h"
#include "sysreg.h"
#include "timer.h"

#define CNTV_CTL_ENABLE 1U
#define US_PER_S 1000000U

static volatile bool timer_fired;
static bool timer_ready;

uint64_t timer_freq(void)
{
    return SYSREG_READ("cntfrq_el0");
}

uint64_t timer_now(void)
{
    isb();
    return SYSREG_READ("cntvct_el0");
}

uint64_t timer_us_to_ticks(uint64_t us)
{
    return (us * timer_freq() + US_PER_S - 1) / US_PER_S;
}

uint64_t timer_ticks_to_us(uint64_t ticks)
{
    uint64_t freq = timer_freq();

    if (freq == 0) {
        return 0;
    }
    return ticks * US_PER_S / freq;
}

/* IRQ context: the deadline has passed; disable the timer (drops the PPI). */
static void timer_irq(void)
{
    SYSREG_WRITE("cntv_ctl_el0", 0);
    isb();
    timer_fired = true;
}

void timer_sleep_us(uint64_t us)
{
    uint64_t deadline;

    if (!timer_ready) {
        exc_set_timer_callback(timer_irq);
        exc_irq_init();
        timer_ready = true;
    }
    timer_fired = false;
    deadline = timer_now() + timer_us_to_ticks(us);
    SYSREG_WRITE("cntv_cval_el0", deadline);
    SYSREG_WRITE("cntv_ctl_el0", CNTV_CTL_ENABLE);
    isb();
    for (;;) {
        irq_disable();
        if (timer_fired) {
            irq_enable();
            break;
        }
        wfi();
        irq_enable();
        isb();
    }
}
