/* SPDX-License-Identifier: MIT */
/*
 * Handler table for the physical interrupts of host devices; see hv/irq.h.
 *
 * Locking: irq_lock serialises registration. Dispatch takes no lock: a
 * handler's ctx is written before its fn is published (release), and
 * dispatch reads fn (acquire) before ctx, so a handler that is seen is
 * seen whole. A number is unregistered only by its own driver, once the
 * device can no longer raise it, so fn and ctx do not change under a
 * running dispatch.
 */
#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/irq.h>
#include <hv/printk.h>
#include <hv/spinlock.h>

/* Interrupts without a handler logged before the log goes quiet. */
#define IRQ_UNHANDLED_LOG_LIMIT 4

struct irq_action {
    void (*fn)(unsigned int intid, void *ctx);
    void *ctx;
    unsigned int cpu; /* routed to; atomic (irq_follow_cpu) */
};

static struct irq_action irq_table[IRQ_NR];
static struct spinlock irq_lock = SPINLOCK_INIT;
static unsigned int irq_unhandled;

int irq_register(unsigned int intid, enum irq_trigger trigger,
                 void (*fn)(unsigned int intid, void *ctx), void *ctx)
{
    struct irq_action *a;
    int rc;

    if (intid >= IRQ_NR || fn == NULL) {
        return -HV_EINVAL;
    }
    a = &irq_table[intid];
    spin_lock(&irq_lock);
    if (a->fn != NULL) {
        spin_unlock(&irq_lock);
        return -HV_EBUSY;
    }
    a->ctx = ctx;
    a->cpu = IRQ_HOST_CPU;
    __atomic_store_n(&a->fn, fn, __ATOMIC_RELEASE);
    spin_unlock(&irq_lock);

    rc = arch_irq_enable(intid, trigger == IRQ_TRIGGER_EDGE, IRQ_HOST_CPU);
    if (rc != 0) {
        __atomic_store_n(&a->fn, NULL, __ATOMIC_RELEASE);
    }
    return rc;
}

void irq_follow_cpu(unsigned int intid)
{
    unsigned int cpu = arch_cpu_id();

    if (intid >= IRQ_NR ||
        __atomic_load_n(&irq_table[intid].fn, __ATOMIC_ACQUIRE) == NULL ||
        __atomic_load_n(&irq_table[intid].cpu, __ATOMIC_RELAXED) == cpu) {
        return;
    }
    /* Two CPUs racing here both write the router; either result is a
     * valid route, and the next request moves it again. */
    __atomic_store_n(&irq_table[intid].cpu, cpu, __ATOMIC_RELAXED);
    arch_irq_route(intid, cpu);
}

void irq_unregister(unsigned int intid)
{
    if (intid >= IRQ_NR) {
        return;
    }
    arch_irq_disable(intid);
    spin_lock(&irq_lock);
    __atomic_store_n(&irq_table[intid].fn, NULL, __ATOMIC_RELEASE);
    spin_unlock(&irq_lock);
}

bool irq_dispatch(unsigned int intid)
{
    void (*fn)(unsigned int, void *) = NULL;

    if (intid < IRQ_NR) {
        fn = __atomic_load_n(&irq_table[intid].fn, __ATOMIC_ACQUIRE);
    }
    if (fn == NULL) {
        if (__atomic_fetch_add(&irq_unhandled, 1, __ATOMIC_RELAXED) <
            IRQ_UNHANDLED_LOG_LIMIT) {
            pr_warn("interrupt %u has no handler; ignored", intid);
        }
        return false;
    }
    fn(intid, irq_table[intid].ctx);
    return true;
}
