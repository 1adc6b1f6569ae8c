/* SPDX-License-Identifier: MIT */
/*
 * Physical CPUs: PSCI calls to the firmware (QEMU's built-in PSCI, reached
 * with SMC when Shoji owns EL2), CPU start, kicks and power-off.
 */
#include <asm/gic_v3.h>
#include <asm/pcpu.h>
#include <asm/platform.h>
#include <asm/sysreg.h>
#include <hv/arch.h>
#include <hv/errno.h>

#define PSCI_CPU_ON_64 0xc4000003UL
#define PSCI_SYSTEM_OFF 0x84000008UL

void secondary_entry(void);

static int64_t psci_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
    register uint64_t x0 __asm__("x0") = fn;
    register uint64_t x1 __asm__("x1") = a1;
    register uint64_t x2 __asm__("x2") = a2;
    register uint64_t x3 __asm__("x3") = a3;

    if (arm_plat.psci_smc) {
        __asm__ volatile("smc #0"
                         : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
                         :
                         : "memory");
    } else {
        __asm__ volatile("hvc #0"
                         : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
                         :
                         : "memory");
    }
    return (int64_t)x0;
}

unsigned int arch_cpu_count(void)
{
    return arm_plat.nr_cpus;
}

unsigned int arch_cpu_id(void)
{
    struct pcpu *p = this_pcpu();

    return p != NULL ? p->id : 0;
}

int arch_cpu_start(unsigned int cpu)
{
    int64_t rc;

    if (cpu >= arm_plat.nr_cpus) {
        return -HV_EINVAL;
    }
    rc = psci_call(PSCI_CPU_ON_64, arm_plat.mpidr[cpu],
                   (uint64_t)(uintptr_t)secondary_entry, cpu);
    return rc == 0 ? 0 : -HV_EIO;
}

void arch_cpu_kick(unsigned int cpu)
{
    if (cpu != arch_cpu_id() && cpu < arm_plat.nr_cpus) {
        gic_send_sgi(arm_plat.mpidr[cpu], GIC_SGI_KICK);
    }
}

void arch_system_off(void)
{
    psci_call(PSCI_SYSTEM_OFF, 0, 0, 0);
    for (;;) {
        wfi();
    }
}
