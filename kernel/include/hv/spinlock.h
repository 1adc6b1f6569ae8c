/* SPDX-License-Identifier: MIT */
/*
 * Ticket spinlocks on compiler atomics (LL/SC on ARMv8.0). EL2 never takes
 * interrupts, so a lock is never re-entered from an interrupt handler.
 *
 * A waiter sleeps in WFE between looks and an unlock ends with SEV. On
 * hardware that saves power; under QEMU's single-threaded modes (-icount)
 * WFE also hands the host thread to another CPU at once, where a plain
 * spin would keep it for a whole round-robin slice while the holder
 * cannot run. SEV sets every waiter's event register, so a wake-up sent
 * between a waiter's look and its WFE is not lost. On the host (unit
 * tests) both are no-ops.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct spinlock {
    uint16_t next;
    uint16_t owner;
};

#define SPINLOCK_INIT                                                          \
    {                                                                          \
        0, 0                                                                   \
    }

/** Waits for an event (cpu_send_event, an interrupt) or a moment. */
static inline void cpu_wait_event(void)
{
#if defined(__aarch64__)
    __asm__ volatile("wfe" ::: "memory");
#endif
}

/** Wakes the CPUs in cpu_wait_event() after the stores before it. */
static inline void cpu_send_event(void)
{
#if defined(__aarch64__)
    __asm__ volatile("dsb ishst\n\tsev" ::: "memory");
#endif
}

static inline void spin_lock(struct spinlock *l)
{
    uint16_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
    while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me) {
        cpu_wait_event();
    }
}

static inline void spin_unlock(struct spinlock *l)
{
    __atomic_store_n(&l->owner, (uint16_t)(l->owner + 1), __ATOMIC_RELEASE);
    cpu_send_event();
}

static inline bool spin_is_locked(struct spinlock *l)
{
    return __atomic_load_n(&l->next, __ATOMIC_RELAXED) !=
           __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
}
