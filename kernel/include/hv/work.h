/* SPDX-License-Identifier: MIT */
/*
 * Work handed to another CPU: a caller queues an item on a CPU, which runs
 * it from its kick interrupt (arch code calls work_run_pending when it
 * takes the kick SGI), with interrupts masked. Drivers use it to move
 * their work off the CPU that asked for it, e.g. a guest's transmissions
 * to the CPU that drives the NIC, so that the guest's vCPU goes on while
 * the frames are copied and sent.
 *
 * An item is queued at most once at a time: queueing it again before it
 * ran does nothing (its function must do all the work there is when it
 * runs). It is taken off the list before its function runs, so the
 * function, or anyone meanwhile, may queue it again.
 *
 * Locking: each CPU's list has a spinlock, taken with interrupts masked
 * (the kick handler runs with them masked; callers run in hypervisor
 * context, also masked). Items live as long as their owner (boot-time
 * devices): they are never freed while queued.
 */
#pragma once

#include <hv/types.h>

struct work {
    void (*fn)(struct work *w);
    struct work *next; /* under the queue's lock */
    bool queued;       /* under the queue's lock */
};

/** Sets up an item that runs fn. */
void work_init(struct work *w, void (*fn)(struct work *w));

/**
 * Queues w on cpu and kicks it: true, or false when w was queued already
 * (it will run once for both). cpu must be online; it may be this CPU
 * (then w runs at this CPU's next kick or work_run_pending call).
 */
bool work_queue(struct work *w, unsigned int cpu);

/** Runs every item queued on this CPU, in queueing order, including
 * items queued while running. */
void work_run_pending(void);
