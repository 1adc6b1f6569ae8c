/* SPDX-License-Identifier: MIT */
/*
 * Guest device tree generation with libfdt's sequential-write API. The
 * layout follows what Linux expects on QEMU's virt board, restricted to
 * the devices Shoji gives the guest.
 */
#include <hv/errno.h>
#include <hv/vm_fdt.h>
#include <libfdt.h>
#include <stdio.h>

#define PHANDLE_APB_CLK 1

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

static int add_cpus(void *fdt, const struct vm_config *cfg)
{
    int rc = 0;
    unsigned int i;

    FDT_DO(rc, fdt_begin_node(fdt, "cpus"));
    FDT_DO(rc, fdt_property_u32(fdt, "#address-cells", 1));
    FDT_DO(rc, fdt_property_u32(fdt, "#size-cells", 0));
    for (i = 0; i < cfg->nr_vcpus && rc == 0; i++) {
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
    return rc;
}

static int add_uart(void *fdt)
{
    static const char clock_names[] = "uartclk\0apb_pclk";
    fdt32_t clocks[2] = {cpu_to_fdt32(PHANDLE_APB_CLK),
                         cpu_to_fdt32(PHANDLE_APB_CLK)};
    static const char compat[] = "arm,pl011\0arm,primecell";
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
    FDT_DO(rc,
           fdt_property(fdt, "clock-names", clock_names, sizeof(clock_names)));
    FDT_DO(rc, fdt_property(fdt, "clocks", clocks, sizeof(clocks)));
    FDT_DO(rc, fdt_end_node(fdt));
    return rc;
}

int vm_fdt_build(const struct vm_config *cfg, void *buf, size_t size)
{
    static const char psci_compat[] = "arm,psci-1.0\0arm,psci-0.2";
    char node[32];
    int rc = 0;

    if (size > 0x7fffffff) {
        return -HV_EINVAL;
    }
    FDT_DO(rc, fdt_create(buf, (int)size));
    FDT_DO(rc, fdt_finish_reservemap(buf));
    FDT_DO(rc, fdt_begin_node(buf, ""));
    FDT_DO(rc, fdt_property_u32(buf, "#address-cells", 2));
    FDT_DO(rc, fdt_property_u32(buf, "#size-cells", 2));
    FDT_DO(rc, fdt_property_string(buf, "compatible", "shoji,virt"));
    FDT_DO(rc, fdt_property_string(buf, "model", "Shoji VM"));

    FDT_DO(rc, fdt_begin_node(buf, "chosen"));
    if (cfg->bootargs[0] != '\0') {
        FDT_DO(rc, fdt_property_string(buf, "bootargs", cfg->bootargs));
    }
    if (cfg->console_pl011) {
        FDT_DO(rc, fdt_property_string(buf, "stdout-path", "/pl011@9000000"));
    }
    FDT_DO(rc, fdt_property_string(buf, "shoji,vm-name", cfg->name));
    FDT_DO(rc, fdt_end_node(buf));

    snprintf(node, sizeof(node), "memory@%lx", VM_RAM_IPA);
    FDT_DO(rc, fdt_begin_node(buf, node));
    FDT_DO(rc, fdt_property_string(buf, "device_type", "memory"));
    FDT_DO(rc, prop_u64_pair(buf, "reg", VM_RAM_IPA, cfg->mem_size));
    FDT_DO(rc, fdt_end_node(buf));

    FDT_DO(rc, add_cpus(buf, cfg));

    FDT_DO(rc, fdt_begin_node(buf, "psci"));
    FDT_DO(rc,
           fdt_property(buf, "compatible", psci_compat, sizeof(psci_compat)));
    FDT_DO(rc, fdt_property_string(buf, "method", "hvc"));
    FDT_DO(rc, fdt_end_node(buf));

    if (cfg->console_pl011) {
        FDT_DO(rc, add_uart(buf));
    }
    FDT_DO(rc, fdt_end_node(buf));
    FDT_DO(rc, fdt_finish(buf));
    if (rc == -FDT_ERR_NOSPACE) {
        return -HV_E2BIG;
    }
    return rc == 0 ? 0 : -HV_EINVAL;
}
