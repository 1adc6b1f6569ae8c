/* SPDX-License-Identifier: MIT */
/*
 * Fake CPUs for host tests: CONFIG_NR_CPUS of them, and the "calling CPU"
 * is whatever the test last set.
 */
#include <fake/arch.h>
#include <hv/arch.h>

static unsigned int fake_cpu;

unsigned int arch_cpu_count(void)
{
    return CONFIG_NR_CPUS;
}

unsigned int arch_cpu_id(void)
{
    return fake_cpu;
}

void fake_cpu_set_id(unsigned int cpu)
{
    fake_cpu = cpu;
}

void fake_arch_reset(void)
{
    fake_cpu = 0;
    fake_timer_reset();
    fake_irq_reset();
    fake_gic_reset();
    fake_sysreg_reset();
}
