/* SPDX-License-Identifier: MIT */
/*
 * Arch boot: host device tree, console, EL2 MMU, per-CPU EL2 state (trap
 * configuration, stage-2 control, timer access, GIC CPU interface), then
 * the generic kernel. Also VMID allocation and stage-2 set-up for VMs.
 */
#include <asm/gic_v3.h>
#include <asm/mmu.h>
#include <asm/pcpu.h>
#include <asm/platform.h>
#include <asm/sysreg.h>
#include <asm/vgic_v3.h>
#include <drivers/pl011.h>
#include <hv/arch.h>
#include <hv/console.h>
#include <hv/errno.h>
#include <hv/kernel.h>
#include <hv/page_alloc.h>
#include <hv/printk.h>
#include <hv/vm.h>

/* What a guest traps to EL2 for: stage-2 on, physical interrupts and
 * SErrors routed here, WFI and SMC trapped, EL1 in AArch64, ID registers
 * (sanitised), implementation-defined registers and ACTLR_EL1. */
#define HCR_GUEST                                                              \
    (HCR_VM | HCR_SWIO | HCR_FMO | HCR_IMO | HCR_AMO | HCR_FB | HCR_BSU_IS |   \
     HCR_TWI | HCR_TSC | HCR_RW | HCR_TID3 | HCR_TIDCP | HCR_TACR)
/* Not context-switched, so trapped: SVE, trace, activity monitors. */
#define CPTR_TRAPS ((1UL << 8) | (1UL << 20) | (1UL << 30))
/* Debug registers (TDA, TDOSA, TDRA) and the PMU (TPM, TPMCR) trap. */
#define MDCR_TRAPS                                                             \
    ((1UL << 5) | (1UL << 6) | (1UL << 9) | (1UL << 10) | (1UL << 11))

void boot_primary(const void *dtb);
void boot_secondary(unsigned int cpu);
void arch_timer_init(void);

static struct pcpu pcpus[CONFIG_NR_CPUS];
static struct pl011 host_uart;
static struct host_info host_info;
static uint64_t vtcr;
static uint16_t next_vmid = 1;

extern char hv_stacks[];

static void pcpu_init(unsigned int cpu)
{
    struct pcpu *p = &pcpus[cpu];
    unsigned int ppis[] = {GIC_SGI_KICK, arm_plat.timer_hyp_intid,
                           arm_plat.timer_virt_intid, 16 + VGIC_MAINT_PPI};

    p->id = cpu;
    p->mpidr = arm_plat.mpidr[cpu];
    p->stack_top = (uint64_t)(uintptr_t)hv_stacks +
                   (uint64_t)(cpu + 1) * CONFIG_HV_STACK_KIB * 1024;
    SYSREG_WRITE(tpidr_el2, p);

    SYSREG_WRITE(hcr_el2, HCR_GUEST);
    SYSREG_WRITE(vtcr_el2, vtcr);
    SYSREG_WRITE(cptr_el2, CPTR_EL2_RES1 | CPTR_TRAPS);
    SYSREG_WRITE(cnthctl_el2, CNTHCTL_EL1PCTEN); /* EL1 physical timer traps */
    SYSREG_WRITE(cntvoff_el2, 0);
    SYSREG_WRITE(mdcr_el2, ((SYSREG_READ(pmcr_el0) >> 11) & 0x1f) | MDCR_TRAPS);
    SYSREG_WRITE(vpidr_el2, SYSREG_READ(midr_el1));
    isb();
    if (gic_cpu_init(arm_plat.gicr_base, arm_plat.gicr_size, p->mpidr, ppis,
                     ARRAY_SIZE(ppis)) != 0) {
        panic("cpu%u: no GIC redistributor for MPIDR 0x%lx", cpu,
              (unsigned long)p->mpidr);
    }
    vgic_cpu_init();
    arch_timer_init();
    p->online = 1;
}

static void *stage2_table_alloc(void *ctx)
{
    return page_alloc_zeroed(1, PAGE_SIZE);
}

int arch_vm_init(struct vm *vm)
{
    int rc = stage2_init(&vm->arch.s2, CONFIG_ARM64_IPA_BITS,
                         stage2_table_alloc, NULL);

    if (rc != 0) {
        return rc;
    }
    if (next_vmid == 0xff) {
        return -HV_ENOSPC; /* 8-bit VMIDs, 0 unused */
    }
    vm->arch.vmid = next_vmid++;
    vm->arch.vttbr =
        ((uint64_t)vm->arch.vmid << 48) | (uint64_t)(uintptr_t)vm->arch.s2.root;
    vm->arch.cntvoff = SYSREG_READ(cntpct_el0);
    vgic_vm_reset(vm);
    return 0;
}

int arch_vm_finalize(struct vm *vm)
{
    return vgic_vm_add_mmio(vm);
}

void arch_vm_reset(struct vm *vm)
{
    uint64_t vttbr = SYSREG_READ(vttbr_el2);
    unsigned int i;

    vgic_vm_reset(vm);
    for (i = 0; i < vm->nr_vcpus; i++) {
        vgic_vcpu_reset(vm->vcpus[i]);
    }
    vm->arch.cntvoff = SYSREG_READ(cntpct_el0);
    /* The new guest must not hit translations cached for the old one, nor
     * stale instructions. */
    SYSREG_WRITE(vttbr_el2, vm->arch.vttbr);
    isb();
    __asm__ volatile(
        "tlbi vmalls12e1is\n dsb ish\n ic ialluis\n dsb ish\n isb" ::
            : "memory");
    SYSREG_WRITE(vttbr_el2, vttbr);
    isb();
}

void arch_vm_set_irq_line(struct vm *vm, unsigned int spi, bool level)
{
    vgic_set_level(vm, NULL, 32 + spi, level);
}

int arch_vm_map_ram(struct vm *vm, ipaddr_t ipa, paddr_t pa, uint64_t size)
{
    int rc =
        stage2_map(&vm->arch.s2, ipa_addr(ipa), pa_addr(pa), size, S2_ATTR_RAM);

    dsb_ish();
    return rc;
}

void boot_primary(const void *dtb)
{
    const char *why = "";
    struct console_ops con = {pl011_putc, &host_uart};

    if (host_dt_parse(dtb, &host_info, &why) != 0) {
        return; /* no console to say so: head.S parks the CPU */
    }
    pl011_init(&host_uart, host_info.uart_base);
    console_register(&con);
    if (platform_parse(dtb, &why) != 0) {
        panic("host device tree: %s", why);
    }
    if (mmu_init(host_info.ram_base, host_info.ram_size) != 0) {
        panic("cannot map RAM at 0x%lx", (unsigned long)host_info.ram_base);
    }
    {
        struct stage2 probe = {.ipa_bits = CONFIG_ARM64_IPA_BITS};

        vtcr = stage2_vtcr(&probe, SYSREG_READ(id_aa64mmfr0_el1) & 0xf);
    }
    gic_dist_init(arm_plat.gicd_base);
    pcpu_init(0);
    kernel_main(dtb, &host_info);
}

void boot_secondary(unsigned int cpu)
{
    pcpu_init(cpu);
    kernel_secondary_main(cpu);
}
