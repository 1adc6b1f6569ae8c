/* SPDX-License-Identifier: MIT */
/*
 * Guest device tree generation with libfdt's sequential-write API. The
 * layout follows what Linux expects on QEMU's virt board, restricted to
 * what Shoji gives the guest: RAM, CPUs started through PSCI over HVC, a
 * GICv3 (distributor + one redistributor region), the generic timer and
 * the PL011, plus /chosen with the boot arguments (and the boot count as
 * shoji.boot=N) and the initrd.
 */
#include <asm/vgic_v3.h>
#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/vm.h>
#include <hv/vm_fdt.h>
#include <libfdt.h>
#include <stdio.h>

#define PHANDLE_GIC 1
#define PHANDLE_APB_CLK 2
#define GIC_FDT_SPI 0
#define GIC_FDT_PPI 1
#define IRQ_LEVEL_HIGH 4

/* Stops at the first libfdt error; rc keeps it. */
#define FDT_DO(rc, call)                                                       \
    do {                                                                       \
        if ((rc) == 0) {                                                       \
            (rc) = (call);                                                     \
        }                                                                      \
    } while (0)

static int prop_u64_pair(void *fdt, const char *name, uint64_t a, uint64_t b)
{
    fdt64_t v[2] = {cpu_to_fdt64(a), cpu_to_fdt64(b)};

    return fdt_property(fdt, name, v, sizeof(v));
}

static int prop_irqs(void *fdt, const uint32_t *cells, unsigned int n)
{
    fdt32_t v[12];
    unsigned int i;

    for (i = 0; i < n && i < 12; i++) {
        v[i] = cpu_to_fdt32(cells[i]);
    }
    return fdt_property(fdt, "interrupts", v, (int)(i * sizeof(v[0])));
}

static int add_chosen(void *fdt, const struct vm_boot *b)
{
    char args[VM_BOOTARGS_MAX + 32];
    int rc = 0;

    snprintf(args, sizeof(args), "%s%sshoji.boot=%u", b->cfg->bootargs,
             b->cfg->bootargs[0] != '\0' ? " " : "", b->boot_count);
    FDT_DO(rc, fdt_begin_node(fdt, "chosen"));
    FDT_DO(rc, fdt_property_string(fdt, "bootargs", args));
    if (b->cfg->console_pl011) {
        FDT_DO(rc, fdt_property_string(fdt, "stdout-path", "/pl011@9000000"));
    }
    if (b->initrd_ipa != 0) {
        FDT_DO(rc, fdt_property_u64(fdt, "linux,initrd-start", b->initrd_ipa));
        FDT_DO(rc, fdt_property_u64(fdt, "linux,initrd-end",
                                    b->initrd_ipa + b->initrd_size));
    }
    FDT_DO(rc, fdt_property_string(fdt, "shoji,vm-name", b->cfg->name));
    FDT_DO(rc, fdt_end_node(fdt));
    return rc;
}

static int add_cpus(void *fdt, unsigned int nr_vcpus)
{
    static const char psci_compat[] = "arm,psci-1.0\0arm,psci-0.2";
    int rc = 0;
    unsigned int i;

    FDT_DO(rc, fdt_begin_node(fdt, "cpus"));
    FDT_DO(rc, fdt_property_u32(fdt, "#address-cells", 1));
    FDT_DO(rc, fdt_property_u32(fdt, "#size-cells", 0));
    for (i = 0; i < nr_vcpus && rc == 0; i++) {
        char name[16];

        snprintf(name, sizeof(name), "cpu@%u", i);
        FDT_DO(rc, fdt_begin_node(fdt, name));
        FDT_DO(rc, fdt_property_string(fdt, "device_type", "cpu"));
        FDT_DO(rc, fdt_property_string(fdt, "compatible", "arm,armv8"));
        FDT_DO(rc, fdt_property_u32(fdt, "reg", i));
        FDT_DO(rc, fdt_property_string(fdt, "enable-method", "psci"));
        FDT_DO(rc, fdt_end_node(fdt));
    }
    FDT_DO(rc, fdt_end_node(fdt));

    FDT_DO(rc, fdt_begin_node(fdt, "psci"));
    FDT_DO(rc,
           fdt_property(fdt, "compatible", psci_compat, sizeof(psci_compat)));
    FDT_DO(rc, fdt_property_string(fdt, "method", "hvc"));
    FDT_DO(rc, fdt_end_node(fdt));
    return rc;
}

static int add_gic_and_timer(void *fdt, unsigned int nr_vcpus)
{
    static const uint32_t maint[] = {GIC_FDT_PPI, VGIC_MAINT_PPI,
                                     IRQ_LEVEL_HIGH};
    /* Secure physical, non-secure physical, virtual, hypervisor. */
    static const uint32_t timer[] = {
        GIC_FDT_PPI, 13, IRQ_LEVEL_HIGH, GIC_FDT_PPI, 14, IRQ_LEVEL_HIGH,
        GIC_FDT_PPI, 11, IRQ_LEVEL_HIGH, GIC_FDT_PPI, 10, IRQ_LEVEL_HIGH,
    };
    fdt64_t reg[4] = {
        cpu_to_fdt64(VGIC_GICD_IPA),
        cpu_to_fdt64(VGIC_GICD_SIZE),
        cpu_to_fdt64(VGIC_GICR_IPA),
        cpu_to_fdt64(VGIC_GICR_STRIDE * nr_vcpus),
    };
    int rc = 0;

    FDT_DO(rc, fdt_begin_node(fdt, "intc@8000000"));
    FDT_DO(rc, fdt_property_string(fdt, "compatible", "arm,gic-v3"));
    FDT_DO(rc, fdt_property_u32(fdt, "#interrupt-cells", 3));
    FDT_DO(rc, fdt_property(fdt, "interrupt-controller", "", 0));
    FDT_DO(rc, fdt_property_u32(fdt, "#redistributor-regions", 1));
    FDT_DO(rc, fdt_property(fdt, "reg", reg, sizeof(reg)));
    FDT_DO(rc, prop_irqs(fdt, maint, ARRAY_SIZE(maint)));
    FDT_DO(rc, fdt_property_u32(fdt, "phandle", PHANDLE_GIC));
    FDT_DO(rc, fdt_end_node(fdt));

    FDT_DO(rc, fdt_begin_node(fdt, "timer"));
    FDT_DO(rc, fdt_property_string(fdt, "compatible", "arm,armv8-timer"));
    FDT_DO(rc, prop_irqs(fdt, timer, ARRAY_SIZE(timer)));
    FDT_DO(rc, fdt_property(fdt, "always-on", "", 0));
    FDT_DO(rc, fdt_end_node(fdt));
    return rc;
}

static int add_uart(void *fdt)
{
    static const char clock_names[] = "uartclk\0apb_pclk";
    static const char compat[] = "arm,pl011\0arm,primecell";
    static const uint32_t irq[] = {GIC_FDT_SPI, VM_UART_SPI, IRQ_LEVEL_HIGH};
    fdt32_t clocks[2] = {cpu_to_fdt32(PHANDLE_APB_CLK),
                         cpu_to_fdt32(PHANDLE_APB_CLK)};
    int rc = 0;

    FDT_DO(rc, fdt_begin_node(fdt, "apb-pclk"));
    FDT_DO(rc, fdt_property_string(fdt, "compatible", "fixed-clock"));
    FDT_DO(rc, fdt_property_u32(fdt, "#clock-cells", 0));
    FDT_DO(rc, fdt_property_u32(fdt, "clock-frequency", 24000000));
    FDT_DO(rc, fdt_property_string(fdt, "clock-output-names", "clk24mhz"));
    FDT_DO(rc, fdt_property_u32(fdt, "phandle", PHANDLE_APB_CLK));
    FDT_DO(rc, fdt_end_node(fdt));

    FDT_DO(rc, fdt_begin_node(fdt, "pl011@9000000"));
    FDT_DO(rc, fdt_property(fdt, "compatible", compat, sizeof(compat)));
    FDT_DO(rc, prop_u64_pair(fdt, "reg", VM_UART_IPA, 0x1000));
    FDT_DO(rc, prop_irqs(fdt, irq, ARRAY_SIZE(irq)));
    FDT_DO(rc,
           fdt_property(fdt, "clock-names", clock_names, sizeof(clock_names)));
    FDT_DO(rc, fdt_property(fdt, "clocks", clocks, sizeof(clocks)));
    FDT_DO(rc, fdt_end_node(fdt));
    return rc;
}

/* A virtio-mmio transport of slot i (QEMU's virt layout and binding). */
static int add_virtio(void *fdt, unsigned int i)
{
    const uint32_t irq[] = {GIC_FDT_SPI, VM_VIRTIO_SPI + i, IRQ_LEVEL_HIGH};
    uint64_t base = VM_VIRTIO_IPA + i * VM_VIRTIO_STRIDE;
    char node[32];
    int rc = 0;

    snprintf(node, sizeof(node), "virtio_mmio@%lx", (unsigned long)base);
    FDT_DO(rc, fdt_begin_node(fdt, node));
    FDT_DO(rc, fdt_property_string(fdt, "compatible", "virtio,mmio"));
    FDT_DO(rc, prop_u64_pair(fdt, "reg", base, VM_VIRTIO_STRIDE));
    FDT_DO(rc, prop_irqs(fdt, irq, ARRAY_SIZE(irq)));
    /* Device accesses to guest RAM are cache coherent. */
    FDT_DO(rc, fdt_property(fdt, "dma-coherent", "", 0));
    FDT_DO(rc, fdt_end_node(fdt));
    return rc;
}

int vm_fdt_build(const struct vm_boot *b, void *buf, size_t size)
{
    char node[32];
    int rc = 0;

    if (size > 0x7fffffff || b->cfg == NULL) {
        return -HV_EINVAL;
    }
    FDT_DO(rc, fdt_create(buf, (int)size));
    FDT_DO(rc, fdt_finish_reservemap(buf));
    FDT_DO(rc, fdt_begin_node(buf, ""));
    FDT_DO(rc, fdt_property_u32(buf, "#address-cells", 2));
    FDT_DO(rc, fdt_property_u32(buf, "#size-cells", 2));
    FDT_DO(rc, fdt_property_string(buf, "compatible", "shoji,virt"));
    FDT_DO(rc, fdt_property_string(buf, "model", "Shoji VM"));
    FDT_DO(rc, fdt_property_u32(buf, "interrupt-parent", PHANDLE_GIC));

    FDT_DO(rc, add_chosen(buf, b));

    snprintf(node, sizeof(node), "memory@%lx", (unsigned long)b->ram_ipa);
    FDT_DO(rc, fdt_begin_node(buf, node));
    FDT_DO(rc, fdt_property_string(buf, "device_type", "memory"));
    FDT_DO(rc, prop_u64_pair(buf, "reg", b->ram_ipa, b->ram_size));
    FDT_DO(rc, fdt_end_node(buf));

    FDT_DO(rc, add_cpus(buf, b->cfg->nr_vcpus));
    FDT_DO(rc, add_gic_and_timer(buf, b->cfg->nr_vcpus));
    if (b->cfg->console_pl011) {
        FDT_DO(rc, add_uart(buf));
    }
    for (unsigned int i = 0; i < b->cfg->nr_virtio; i++) {
        FDT_DO(rc, add_virtio(buf, i));
    }
    FDT_DO(rc, fdt_end_node(buf));
    FDT_DO(rc, fdt_finish(buf));
    if (rc == -FDT_ERR_NOSPACE) {
        return -HV_E2BIG;
    }
    return rc == 0 ? 0 : -HV_EINVAL;
}

int arch_vm_build_dt(const struct vm *vm, const struct vm_boot *boot, void *buf,
                     size_t size)
{
    (void)vm;
    return vm_fdt_build(boot, buf, size);
}
