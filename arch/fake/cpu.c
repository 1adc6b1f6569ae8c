/* SPDX-License-Identifier: MIT */
/*
 * Fake CPUs for host tests: CONFIG_NR_CPUS of them, and the "calling CPU"
 * is whatever the test last set.
 */
#include <fake/arch.h>
#include <hv/arch.h>

static unsigned int fake_cpu;
static unsigned int fake_kicks[CONFIG_NR_CPUS];

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

/* Like the real one, a kick of the calling CPU does nothing. */
void arch_cpu_kick(unsigned int cpu)
{
    if (cpu != fake_cpu && cpu < CONFIG_NR_CPUS) {
        fake_kicks[cpu]++;
    }
}

unsigned int fake_cpu_kicks(unsigned int cpu)
{
    return fake_kicks[cpu];
}

void fake_arch_reset(void)
{
    fake_cpu = 0;
    for (unsigned int i = 0; i < CONFIG_NR_CPUS; i++) {
        fake_kicks[i] = 0;
    }
    fake_timer_reset();
    fake_irq_reset();
    fake_gic_reset();
    fake_sysreg_reset();
}
