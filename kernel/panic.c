/* SPDX-License-Identifier: MIT */
/* panic(): report and stop this CPU; the others stop at their next exit. */
#include <hv/arch.h>
#include <hv/printk.h>

volatile int hv_panicked;

void panic(const char *fmt, ...)
{
    va_list ap;

    hv_panicked = 1;
    printk("shoji: PANIC on cpu%u: ", arch_cpu_id());
    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
    printk("\n");
    arch_system_off();
}
