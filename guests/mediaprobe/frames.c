/* SPDX-License-Identifier: MIT */
/*
 * Frame loop on the EL1 virtual timer, through the real interrupt path:
 * the timer PPI (27) is taken through the vector table, acknowledged at
 * the GIC CPU interface (ICC_IAR1_EL1/ICC_EOIR1_EL1, guests/common), and
 * the callback here masks the timer; the loop re-arms it for the next
 * deadline. Deadlines are absolute, so a late frame never shifts later
 * ones: a frame whose work ends at or after the next deadline is a miss,
 * and every deadline already past by then is skipped and also a miss.
 */
#include <stdbool.h>

#include "clock.h"
#include "exceptions.h"
#include "frames.h"
#include "sysreg.h"
#include "work.h"

#define CNTV_CTL_ENABLE 1U
#define CNTV_CTL_IMASK 2U

static uint64_t frames_lat_ns[FRAMES_MAX];
static volatile uint64_t frames_wake;
static volatile bool frames_fired;

/*
 * IRQ context. The counter is read first, so the latency covers the
 * hypervisor's wake-up, scheduling and injection plus only the guest's
 * vector entry and IAR read. Masking (not disabling) drops the PPI.
 */
static void frames_irq(void)
{
    uint64_t now = clock_now();

    SYSREG_WRITE("cntv_ctl_el0", CNTV_CTL_ENABLE | CNTV_CTL_IMASK);
    isb();
    frames_wake = now;
    frames_fired = true;
}

static void frames_arm(uint64_t deadline)
{
    frames_fired = false;
    SYSREG_WRITE("cntv_cval_el0", deadline);
    SYSREG_WRITE("cntv_ctl_el0", CNTV_CTL_ENABLE);
    isb();
}

/*
 * Waits for the armed deadline. The flag is tested with IRQs masked and
 * WFI still wakes for a pending interrupt, so none is lost in between;
 * the hypervisor traps the WFI and deschedules this vCPU until then.
 */
static uint64_t frames_wait(void)
{
    for (;;) {
        irq_disable();
        if (frames_fired) {
            irq_enable();
            return frames_wake;
        }
        wfi();
        irq_enable();
        isb();
    }
}

void frames_run(const struct frames_cfg *cfg, struct frames_result *res)
{
    uint64_t start;
    unsigned int k = 1;

    *res = (struct frames_result){.lat_ns = frames_lat_ns};
    exc_set_timer_callback(frames_irq);
    exc_irq_init();
    start = clock_now();

    while (k <= cfg->frames) {
        uint64_t deadline = start + clock_ns_to_ticks(k * cfg->period_ns);
        uint64_t next = start + clock_ns_to_ticks((k + 1) * cfg->period_ns);
        uint64_t wake;
        uint64_t done;
        uint64_t work_ns;

        frames_arm(deadline);
        wake = frames_wait();
        frames_lat_ns[res->samples++] =
            wake > deadline ? clock_ticks_to_ns(wake - deadline) : 0;
        work_spin(cfg->work_iters);
        done = clock_now();
        work_ns = clock_ticks_to_ns(done - wake);
        res->work_sum_ns += work_ns;
        if (work_ns > res->work_max_ns) {
            res->work_max_ns = work_ns;
        }
        k++;
        if (done < next) {
            continue;
        }
        res->misses++;
        while (k <= cfg->frames &&
               start + clock_ns_to_ticks(k * cfg->period_ns) <= done) {
            res->skipped++;
            res->misses++;
            k++;
        }
    }
    SYSREG_WRITE("cntv_ctl_el0", 0);
    isb();
}
