/* SPDX-License-Identifier: MIT */
/*
 * Software timers per physical CPU, multiplexed on the EL2 physical timer.
 * Locking: a timer is only armed, cancelled and fired on its own CPU, and
 * EL2 never takes interrupts, so the per-CPU lists need no lock.
 */
#pragma once

#include <hv/list.h>
#include <stdint.h>

struct timer_event {
    struct list_node node;
    uint64_t deadline_ns;
    unsigned int cpu;
    void (*fn)(struct timer_event *ev, uint64_t now);
};

/** Initialises an event that runs fn on CPU cpu when it expires. */
void timer_event_init(struct timer_event *ev, unsigned int cpu,
                      void (*fn)(struct timer_event *ev, uint64_t now));

/** (Re)arms ev at an absolute time; must run on ev->cpu. */
void timer_arm(struct timer_event *ev, uint64_t deadline_ns);

/** Disarms ev if armed; must run on ev->cpu. */
void timer_cancel(struct timer_event *ev);

/** Runs every expired event of this CPU and reprograms the hardware. */
void timer_process(void);

/** Current time in nanoseconds since boot (the system counter). */
uint64_t timer_now_ns(void);
