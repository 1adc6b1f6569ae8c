/* SPDX-License-Identifier: MIT */
/*
 * Scheduler event trace rings (see hv/trace.h).
 *
 * Each physical CPU owns one ring and is its only writer: the scheduler
 * calls the hook on the unit's CPU with that CPU's scheduler calls
 * serialised (sched/sched.h), so recording takes no lock. A full ring
 * overwrites its oldest events and counts them as dropped. trace_dump()
 * runs on the CPU that stopped the last VM: it sets `frozen` first so the
 * other CPUs, idle by then, stop writing; an event racing with the freeze
 * may be printed torn, which a trace tolerates.
 */
#include <hv/host_dt.h>
#include <hv/kernel.h>
#include <hv/page_alloc.h>
#include <hv/printk.h>
#include <hv/trace.h>
#include <stdlib.h>

#define TRACE_DEFAULT_EVENTS 65536U
#define TRACE_MAX_EVENTS (1U << 22)

struct trace_rec {
    uint64_t ns;
    uint64_t arg;
    uint16_t vm;
    uint16_t vcpu;
    uint8_t ev;
};

struct trace_ring {
    struct trace_rec *recs;
    uint64_t head; /* events ever recorded */
};

static struct trace_ring rings[CONFIG_NR_CPUS];
static unsigned int ring_size; /* events per ring, 0 = tracing off */
static unsigned int nr_rings;
static bool frozen;

bool trace_enabled(void)
{
    return ring_size != 0;
}

void trace_init(const struct host_info *info, unsigned int nr_cpus)
{
    char arg[16];
    unsigned long n;
    size_t pages;
    unsigned int cpu;

    if (!host_dt_bootarg(info, "trace", arg, sizeof(arg))) {
        return;
    }
    n = strtoul(arg, NULL, 0);
    if (n == 0) {
        return;
    }
    if (n == 1) {
        n = TRACE_DEFAULT_EVENTS;
    }
    if (n > TRACE_MAX_EVENTS) {
        pr_warn("trace=%lu: more than %u events per CPU, using %u", n,
                TRACE_MAX_EVENTS, TRACE_MAX_EVENTS);
        n = TRACE_MAX_EVENTS;
    }
    pages = (n * sizeof(struct trace_rec) + PAGE_SIZE - 1) / PAGE_SIZE;
    for (cpu = 0; cpu < nr_cpus && cpu < CONFIG_NR_CPUS; cpu++) {
        rings[cpu].recs = page_alloc_zeroed(pages, PAGE_SIZE);
        if (rings[cpu].recs == NULL) {
            pr_err("trace: no memory for %lu events per CPU; tracing off", n);
            return;
        }
    }
    nr_rings = cpu;
    ring_size = (unsigned int)n;
    pr_info("trace: %u events per CPU", ring_size);
}

void trace_sched_event(unsigned int cpu, uint64_t now, enum sched_event ev,
                       const struct sched_unit *u, uint64_t arg)
{
    struct trace_ring *r;
    struct trace_rec *rec;

    if (ring_size == 0 || cpu >= nr_rings ||
        __atomic_load_n(&frozen, __ATOMIC_RELAXED)) {
        return;
    }
    r = &rings[cpu];
    rec = &r->recs[r->head % ring_size];
    rec->ns = now;
    rec->arg = arg;
    rec->vm = (uint16_t)u->vm_id;
    rec->vcpu = (uint16_t)u->vcpu_id;
    rec->ev = (uint8_t)ev;
    r->head++;
}

void trace_dump(void)
{
    unsigned int cpu;

    if (ring_size == 0) {
        return;
    }
    __atomic_store_n(&frozen, true, __ATOMIC_SEQ_CST);
    for (cpu = 0; cpu < nr_rings; cpu++) {
        struct trace_ring *r = &rings[cpu];
        uint64_t first = r->head > ring_size ? r->head - ring_size : 0;
        uint64_t i;

        printk("trace: begin cpu %u events %lu dropped %lu\n", cpu,
               (unsigned long)(r->head - first), (unsigned long)first);
        for (i = first; i < r->head; i++) {
            const struct trace_rec *rec = &r->recs[i % ring_size];

            printk("trace: %u %lu %s %u %u %lu\n", cpu, (unsigned long)rec->ns,
                   sched_event_name((enum sched_event)rec->ev), rec->vm,
                   rec->vcpu, (unsigned long)rec->arg);
        }
    }
    printk("trace: end\n");
}
