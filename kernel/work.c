/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU lists of work items run from the kick interrupt; see
 * hv/work.h. A list is a FIFO (head and tail); the lock is held only to
 * link or unlink, never while an item's function runs.
 */
#include <hv/arch.h>
#include <hv/spinlock.h>
#include <hv/work.h>

/* Zero is an unlocked spinlock (SPINLOCK_INIT) and an empty list. */
static struct {
    struct spinlock lock;
    struct work *head, *tail;
} queues[CONFIG_NR_CPUS];

void work_init(struct work *w, void (*fn)(struct work *w))
{
    w->fn = fn;
    w->next = NULL;
    w->queued = false;
}

bool work_queue(struct work *w, unsigned int cpu)
{
    bool added = false;

    spin_lock(&queues[cpu].lock);
    if (!w->queued) {
        w->queued = true;
        w->next = NULL;
        if (queues[cpu].tail != NULL) {
            queues[cpu].tail->next = w;
        } else {
            queues[cpu].head = w;
        }
        queues[cpu].tail = w;
        added = true;
    }
    spin_unlock(&queues[cpu].lock);
    if (added) {
        arch_cpu_kick(cpu); /* no-op for this CPU */
    }
    return added;
}

void work_run_pending(void)
{
    unsigned int cpu = arch_cpu_id();

    for (;;) {
        struct work *w;

        spin_lock(&queues[cpu].lock);
        w = queues[cpu].head;
        if (w != NULL) {
            queues[cpu].head = w->next;
            if (queues[cpu].head == NULL) {
                queues[cpu].tail = NULL;
            }
            w->queued = false;
        }
        spin_unlock(&queues[cpu].lock);
        if (w == NULL) {
            return;
        }
        w->fn(w);
    }
}
