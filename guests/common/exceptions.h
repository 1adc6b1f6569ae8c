/* SPDX-License-Identifier: MIT */
/*
 * EL1 exception handling for guests: abort hook, IRQ dispatch (GICv3
 * system-register CPU interface) and the timer interrupt callback.
 */
#pragma once

#include <stdint.h>

/* ESR_EL1 exception classes the runtime cares about. */
#define ESR_EC_SHIFT 26
#define ESR_EC_MASK 0x3fU
#define ESR_EC_IABT_LOW 0x20U
#define ESR_EC_IABT_CUR 0x21U
#define ESR_EC_DABT_LOW 0x24U
#define ESR_EC_DABT_CUR 0x25U
#define ESR_WNR (1U << 6)

#define ESR_EC(esr) ((unsigned int)((esr) >> ESR_EC_SHIFT) & ESR_EC_MASK)

/* Virtual timer PPI. */
#define INTID_VTIMER 27U

/* Context saved by vectors.S; layout is fixed (FRAME_SIZE 272 there). */
struct exc_frame {
    uint64_t x[31];
    uint64_t sp;
    uint64_t elr;
    uint64_t spsr;
};

/* What an abort hook did with the abort. */
enum exc_action {
    EXC_UNHANDLED, /* not mine: default report and shutdown */
    EXC_SKIP,      /* resume at ELR + 4, skipping the access */
    EXC_RETURN,    /* resume at frame->elr, which the hook has set */
};

/**
 * Installs fn as the hook called for data and instruction aborts
 * (ESR EC 0x20/0x21/0x24/0x25), in exception context with IRQs masked.
 * NULL restores the default (print ESR/FAR/ELR, shut down with an error).
 */
void exc_set_abort_hook(enum exc_action (*fn)(struct exc_frame *frame,
                                              uint64_t esr, uint64_t far));

/**
 * Installs fn as the callback for the virtual timer interrupt (INTID 27).
 * It runs in IRQ context and must disable or re-arm the timer. With no
 * callback, the runtime disables the timer.
 */
void exc_set_timer_callback(void (*fn)(void));

/**
 * Enables the GICv3 CPU interface through system registers (SRE, PMR,
 * group 1) and unmasks IRQs. Never touches distributor/redistributor MMIO.
 */
void exc_irq_init(void);

/** Called by vectors.S for every exception; kind is the vector index. */
void exc_dispatch(uint64_t kind, struct exc_frame *frame);
