/* SPDX-License-Identifier: MIT */
/*
 * Exception dispatch for guests. Synchronous aborts go to an installable
 * hook; anything else synchronous is fatal. IRQs are acknowledged through
 * ICC_IAR1_EL1, INTID 27 goes to the timer callback, then EOI.
 * Reports use the raw UART, never stdio, so they are safe at any time.
 */
#include <stdbool.h>

#include "exceptions.h"
#include "gic.h"
#include "hvc.h"
#include "sysreg.h"
#include "uart.h"

#define EXC_KIND_SYNC_SPX 4U
#define EXC_KIND_IRQ_SPX 5U
#define EXC_FATAL_EXIT_CODE 0xe1L

#define INTID_MASK 0xffffffU
#define INTID_SPURIOUS_FIRST 1020U

#define CNTV_CTL_EL0 "cntv_ctl_el0"

static enum exc_action (*exc_abort_hook)(struct exc_frame *frame, uint64_t esr,
                                         uint64_t far);
static void (*exc_timer_callback)(void);
static volatile unsigned int exc_fatal_depth;

void exc_set_abort_hook(enum exc_action (*fn)(struct exc_frame *frame,
                                              uint64_t esr, uint64_t far))
{
    exc_abort_hook = fn;
}

void exc_set_timer_callback(void (*fn)(void))
{
    exc_timer_callback = fn;
}

void exc_irq_init(void)
{
    gic_init(INTID_VTIMER);
    SYSREG_WRITE(ICC_SRE_EL1, 0x7);
    isb();
    SYSREG_WRITE(ICC_PMR_EL1, 0xff);
    SYSREG_WRITE(ICC_IGRPEN1_EL1, 1);
    isb();
    irq_enable();
}

/* Prints the fatal exception report and stops the VM. */
static _Noreturn void exc_fatal(const char *what, uint64_t kind,
                                struct exc_frame *frame)
{
    /* A fault while reporting (e.g. HVC undefined): just stop here. */
    if (exc_fatal_depth++ != 0) {
        for (;;) {
            irq_disable();
            wfi();
        }
    }
    uart_puts("guest: FATAL ");
    uart_puts(what);
    uart_puts(" kind ");
    uart_puthex(kind);
    uart_puts(" ESR ");
    uart_puthex(SYSREG_READ("esr_el1"));
    uart_puts(" FAR ");
    uart_puthex(SYSREG_READ("far_el1"));
    uart_puts(" ELR ");
    uart_puthex(frame->elr);
    uart_puts("\n");
    hvc_shutdown(EXC_FATAL_EXIT_CODE);
}

static bool exc_is_abort(unsigned int ec)
{
    return ec == ESR_EC_DABT_CUR || ec == ESR_EC_DABT_LOW ||
           ec == ESR_EC_IABT_CUR || ec == ESR_EC_IABT_LOW;
}

static void exc_handle_sync(uint64_t kind, struct exc_frame *frame)
{
    uint64_t esr = SYSREG_READ("esr_el1");
    uint64_t far = SYSREG_READ("far_el1");
    enum exc_action action = EXC_UNHANDLED;

    if (exc_is_abort(ESR_EC(esr)) && exc_abort_hook != NULL) {
        action = exc_abort_hook(frame, esr, far);
    }
    switch (action) {
    case EXC_SKIP:
        frame->elr += 4;
        break;
    case EXC_RETURN:
        break;
    default:
        exc_fatal(exc_is_abort(ESR_EC(esr)) ? "unhandled abort"
                                            : "unexpected exception",
                  kind, frame);
    }
}

static void exc_handle_irq(void)
{
    uint64_t iar = SYSREG_READ(ICC_IAR1_EL1);
    unsigned int intid = (unsigned int)iar & INTID_MASK;

    if (intid >= INTID_SPURIOUS_FIRST && intid < INTID_SPURIOUS_FIRST + 4) {
        return;
    }
    if (intid == INTID_VTIMER) {
        if (exc_timer_callback != NULL) {
            exc_timer_callback();
        } else {
            SYSREG_WRITE(CNTV_CTL_EL0, 0);
        }
    } else {
        uart_puts("guest: unexpected IRQ ");
        uart_puthex(intid);
        uart_puts("\n");
    }
    SYSREG_WRITE(ICC_EOIR1_EL1, iar);
    isb();
}

void exc_dispatch(uint64_t kind, struct exc_frame *frame)
{
    switch (kind) {
    case EXC_KIND_SYNC_SPX:
        exc_handle_sync(kind, frame);
        break;
    case EXC_KIND_IRQ_SPX:
        exc_handle_irq();
        break;
    default:
        exc_fatal("exception from unexpected vector", kind, frame);
    }
}
