/* SPDX-License-Identifier: MIT */
/*
 * Host device tree, ARM parts: CPU MPIDRs, the GICv3 distributor and
 * redistributor region, the generic timer's PPIs and the PSCI conduit.
 * Runs on the boot CPU before the MMU is on.
 */
#include <asm/platform.h>
#include <hv/errno.h>
#include <libfdt.h>
#include <string.h>

struct arm_platform arm_plat;

static uint64_t cells(const fdt32_t *p, int n)
{
    uint64_t v = 0;
    int i;

    for (i = 0; i < n; i++) {
        v = (v << 32) | fdt32_to_cpu(p[i]);
    }
    return v;
}

static int parse_cpus(const void *dtb)
{
    int cpus = fdt_path_offset(dtb, "/cpus");
    int ac;
    int node;

    if (cpus < 0) {
        return -HV_EINVAL;
    }
    ac = fdt_address_cells(dtb, cpus);
    fdt_for_each_subnode (node, dtb, cpus) {
        const char *type = fdt_getprop(dtb, node, "device_type", NULL);
        const fdt32_t *reg;
        int len;

        if (type == NULL || strcmp(type, "cpu") != 0) {
            continue;
        }
        reg = fdt_getprop(dtb, node, "reg", &len);
        if (reg == NULL || len < ac * 4 || ac < 1 || ac > 2) {
            continue;
        }
        if (arm_plat.nr_cpus == CONFIG_NR_CPUS) {
            break; /* more CPUs than configured: use the first ones */
        }
        arm_plat.mpidr[arm_plat.nr_cpus++] = cells(reg, ac);
    }
    return arm_plat.nr_cpus > 0 ? 0 : -HV_EINVAL;
}

static int parse_gic(const void *dtb)
{
    int node = fdt_node_offset_by_compatible(dtb, -1, "arm,gic-v3");
    int parent;
    int ac;
    int sc;
    const fdt32_t *reg;
    int len;

    if (node < 0) {
        return -HV_EINVAL;
    }
    parent = fdt_parent_offset(dtb, node);
    ac = fdt_address_cells(dtb, parent);
    sc = fdt_size_cells(dtb, parent);
    reg = fdt_getprop(dtb, node, "reg", &len);
    if (reg == NULL || len < 2 * (ac + sc) * 4) {
        return -HV_EINVAL;
    }
    arm_plat.gicd_base = cells(reg, ac);
    arm_plat.gicr_base = cells(reg + ac + sc, ac);
    arm_plat.gicr_size = cells(reg + 2 * ac + sc, sc);
    return 0;
}

static int parse_timer(const void *dtb)
{
    int node = fdt_node_offset_by_compatible(dtb, -1, "arm,armv8-timer");
    const fdt32_t *irq;
    int len;

    if (node < 0) {
        return -HV_EINVAL;
    }
    /* Four interrupts, each <type num flags>: secure phys, non-secure
     * phys, virtual, hypervisor. PPI n is INTID 16 + n. */
    irq = fdt_getprop(dtb, node, "interrupts", &len);
    if (irq == NULL || len < 4 * 3 * 4) {
        return -HV_EINVAL;
    }
    arm_plat.timer_virt_intid = 16 + fdt32_to_cpu(irq[2 * 3 + 1]);
    arm_plat.timer_hyp_intid = 16 + fdt32_to_cpu(irq[3 * 3 + 1]);
    return 0;
}

int platform_parse(const void *dtb, const char **why)
{
    int node;
    const char *method;

    memset(&arm_plat, 0, sizeof(arm_plat));
    if (parse_cpus(dtb) != 0) {
        *why = "no CPUs in /cpus";
        return -HV_EINVAL;
    }
    if (parse_gic(dtb) != 0) {
        *why = "no GICv3 (run QEMU with gic-version=3)";
        return -HV_EINVAL;
    }
    if (parse_timer(dtb) != 0) {
        *why = "no arm,armv8-timer node";
        return -HV_EINVAL;
    }
    node = fdt_node_offset_by_compatible(dtb, -1, "arm,psci-0.2");
    method = node >= 0 ? fdt_getprop(dtb, node, "method", NULL) : NULL;
    /* Entered at EL2, firmware is only reachable through SMC. */
    arm_plat.psci_smc = method == NULL || strcmp(method, "hvc") != 0;
    return 0;
}
