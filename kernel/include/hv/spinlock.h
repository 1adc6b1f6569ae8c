/* SPDX-License-Identifier: MIT */
/*
 * Ticket spinlocks on compiler atomics (LL/SC on ARMv8.0). EL2 never takes
 * interrupts, so a lock is never re-entered from an interrupt handler.
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

static inline void spin_lock(struct spinlock *l)
{
    uint16_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
    while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me) {
        /* spin */
    }
}

static inline void spin_unlock(struct spinlock *l)
{
    __atomic_store_n(&l->owner, (uint16_t)(l->owner + 1), __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(struct spinlock *l)
{
    return __atomic_load_n(&l->next, __ATOMIC_RELAXED) !=
           __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
}
