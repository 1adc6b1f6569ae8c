/* SPDX-License-Identifier: MIT */
/* Per-CPU software timers; see hv/timer.h for the locking rule. */
#include <hv/arch.h>
#include <hv/printk.h>
#include <hv/timer.h>

static struct list_node timer_lists[CONFIG_NR_CPUS];
static bool timer_lists_ready[CONFIG_NR_CPUS];

static struct list_node *this_list(unsigned int cpu)
{
    if (!timer_lists_ready[cpu]) {
        list_init(&timer_lists[cpu]);
        timer_lists_ready[cpu] = true;
    }
    return &timer_lists[cpu];
}

uint64_t timer_now_ns(void)
{
    return arch_timer_now_ns();
}

void timer_event_init(struct timer_event *ev, unsigned int cpu,
                      void (*fn)(struct timer_event *ev, uint64_t now))
{
    list_init(&ev->node);
    ev->cpu = cpu;
    ev->fn = fn;
    ev->deadline_ns = 0;
}

static void reprogram(struct list_node *head)
{
    if (list_empty(head)) {
        arch_timer_set_deadline(0);
        return;
    }
    /* 0 means "off" to the hardware hook: an event due at time 0 is due
     * now, so program 1. */
    arch_timer_set_deadline(MAX(
        list_entry(head->next, struct timer_event, node)->deadline_ns, 1UL));
}

void timer_arm(struct timer_event *ev, uint64_t deadline_ns)
{
    struct list_node *head = this_list(ev->cpu);
    struct list_node *pos;

    BUG_ON(ev->cpu != arch_cpu_id());
    if (list_linked(&ev->node)) {
        list_remove(&ev->node);
    }
    ev->deadline_ns = deadline_ns;
    list_for_each (pos, head) {
        if (list_entry(pos, struct timer_event, node)->deadline_ns >
            deadline_ns) {
            break;
        }
    }
    list_insert_before(pos, &ev->node);
    reprogram(head);
}

void timer_cancel(struct timer_event *ev)
{
    if (list_linked(&ev->node)) {
        list_remove(&ev->node);
        reprogram(this_list(ev->cpu));
    }
}

void timer_process(void)
{
    struct list_node *head = this_list(arch_cpu_id());
    uint64_t now = arch_timer_now_ns();

    while (!list_empty(head)) {
        struct timer_event *ev =
            list_entry(head->next, struct timer_event, node);

        if (ev->deadline_ns > now) {
            break;
        }
        list_remove(&ev->node);
        ev->fn(ev, now);
    }
    reprogram(head);
}
