/* SPDX-License-Identifier: MIT */
/*
 * Host device tree: RAM, console UART and /chosen. Runs on the boot CPU
 * before the MMU is on, so it only reads the blob (libfdt is built with
 * strict alignment for this).
 */
#include <hv/errno.h>
#include <hv/host_dt.h>
#include <libfdt.h>
#include <string.h>

static uint64_t read_cells(const fdt32_t *p, int cells)
{
    uint64_t v = 0;
    int i;

    for (i = 0; i < cells; i++) {
        v = (v << 32) | fdt32_to_cpu(p[i]);
    }
    return v;
}

/* Reads the first (address, size) pair of a node's reg property. */
static int read_reg(const void *dtb, int node, uint64_t *addr, uint64_t *size)
{
    int parent = fdt_parent_offset(dtb, node);
    int ac = fdt_address_cells(dtb, parent);
    int sc = fdt_size_cells(dtb, parent);
    const fdt32_t *reg;
    int len;

    reg = fdt_getprop(dtb, node, "reg", &len);
    if (reg == NULL || ac < 1 || ac > 2 || sc < 0 || sc > 2 ||
        len < (ac + sc) * 4) {
        return -HV_EINVAL;
    }
    *addr = read_cells(reg, ac);
    *size = read_cells(reg + ac, sc);
    return 0;
}

static uint64_t read_chosen_addr(const void *dtb, int chosen, const char *p)
{
    int len;
    const fdt32_t *v = fdt_getprop(dtb, chosen, p, &len);

    if (v == NULL || (len != 4 && len != 8)) {
        return 0;
    }
    return read_cells(v, len / 4);
}

static int find_uart(const void *dtb, int chosen)
{
    const char *path;
    int len;
    int node;

    path = fdt_getprop(dtb, chosen, "stdout-path", &len);
    if (path != NULL && len > 0) {
        char buf[64];
        size_t n = strcspn(path, ":");

        if (n < sizeof(buf)) {
            memcpy(buf, path, n);
            buf[n] = '\0';
            node = fdt_path_offset(dtb, buf);
            if (node >= 0) {
                return node;
            }
        }
    }
    return fdt_node_offset_by_compatible(dtb, -1, "arm,pl011");
}

int host_dt_parse(const void *dtb, struct host_info *info, const char **why)
{
    uint64_t size;
    int node;
    int chosen;
    const char *args;
    int len;

    memset(info, 0, sizeof(*info));
    if (fdt_check_header(dtb) != 0) {
        *why = "no valid device tree in x0";
        return -HV_EINVAL;
    }
    info->dtb_size = fdt_totalsize(dtb);
    node = fdt_node_offset_by_prop_value(dtb, -1, "device_type", "memory",
                                         sizeof("memory"));
    if (node < 0 ||
        read_reg(dtb, node, &info->ram_base, &info->ram_size) != 0) {
        *why = "no /memory node";
        return -HV_EINVAL;
    }
    chosen = fdt_path_offset(dtb, "/chosen");
    node = find_uart(dtb, chosen);
    if (node < 0 || read_reg(dtb, node, &info->uart_base, &size) != 0) {
        *why = "no PL011 console UART";
        return -HV_EINVAL;
    }
    if (chosen >= 0) {
        info->initrd_start =
            read_chosen_addr(dtb, chosen, "linux,initrd-start");
        info->initrd_end = read_chosen_addr(dtb, chosen, "linux,initrd-end");
        args = fdt_getprop(dtb, chosen, "bootargs", &len);
        if (args != NULL && len > 0 && (size_t)len <= sizeof(info->bootargs)) {
            memcpy(info->bootargs, args, (size_t)len);
            info->bootargs[sizeof(info->bootargs) - 1] = '\0';
        }
    }
    return 0;
}

bool host_dt_bootarg(const struct host_info *info, const char *key, char *out,
                     size_t out_size)
{
    size_t klen = strlen(key);
    const char *p = info->bootargs;

    while (*p != '\0') {
        size_t n;

        while (*p == ' ') {
            p++;
        }
        n = strcspn(p, " ");
        if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
            size_t vlen = n - klen - 1;

            if (vlen >= out_size) {
                return false;
            }
            memcpy(out, p + klen + 1, vlen);
            out[vlen] = '\0';
            return true;
        }
        p += n;
    }
    return false;
}

/* The interrupt controller a node's interrupts go to: the nearest
 * interrupt-parent property on the way up to the root. */
static int interrupt_parent(const void *dtb, int node)
{
    int n;

    for (n = node; n >= 0; n = fdt_parent_offset(dtb, n)) {
        int len;
        const fdt32_t *ph = fdt_getprop(dtb, n, "interrupt-parent", &len);

        if (ph != NULL && len == 4) {
            return fdt_node_offset_by_phandle(dtb, fdt32_to_cpu(*ph));
        }
    }
    return -FDT_ERR_NOTFOUND;
}

/* GIC binding: <type number flags>, type 0 = SPI (INTID 32 + number),
 * flags[3:0] 1 = rising edge, 4 = level high (what a GIC SPI can be). */
#define DT_GIC_SPI 0
#define DT_IRQ_EDGE_RISING 1
#define DT_IRQ_LEVEL_HIGH 4
#define DT_IRQ_TYPE_MASK 0xf
#define GIC_SPI_BASE 32
#define GIC_SPI_COUNT 988 /* INTIDs 32-1019 */

static void read_spi(const void *dtb, int node, struct host_dev *d)
{
    int gic = interrupt_parent(dtb, node);
    const fdt32_t *cells;
    const fdt32_t *irq;
    int len;
    uint32_t type;

    d->irq = 0;
    d->irq_edge = false;
    if (gic < 0 || fdt_node_check_compatible(dtb, gic, "arm,gic-v3") != 0) {
        return;
    }
    cells = fdt_getprop(dtb, gic, "#interrupt-cells", &len);
    irq = fdt_getprop(dtb, node, "interrupts", &len);
    if (cells == NULL || fdt32_to_cpu(*cells) != 3 || irq == NULL ||
        len < 3 * 4 || fdt32_to_cpu(irq[0]) != DT_GIC_SPI ||
        fdt32_to_cpu(irq[1]) >= GIC_SPI_COUNT) {
        return;
    }
    type = fdt32_to_cpu(irq[2]) & DT_IRQ_TYPE_MASK;
    if (type != DT_IRQ_EDGE_RISING && type != DT_IRQ_LEVEL_HIGH) {
        return;
    }
    d->irq = GIC_SPI_BASE + fdt32_to_cpu(irq[1]);
    d->irq_edge = type == DT_IRQ_EDGE_RISING;
}

static bool node_enabled(const void *dtb, int node)
{
    const char *status = fdt_getprop(dtb, node, "status", NULL);

    return status == NULL || strcmp(status, "okay") == 0 ||
           strcmp(status, "ok") == 0;
}

unsigned int host_dt_find_devices(const void *dtb, const char *compatible,
                                  struct host_dev *out, unsigned int max)
{
    unsigned int n = 0;
    int node;

    for (node = fdt_node_offset_by_compatible(dtb, -1, compatible); node >= 0;
         node = fdt_node_offset_by_compatible(dtb, node, compatible)) {
        struct host_dev d;
        unsigned int i;

        if (n == max) {
            break;
        }
        if (!node_enabled(dtb, node) ||
            read_reg(dtb, node, &d.base, &d.size) != 0) {
            continue;
        }
        read_spi(dtb, node, &d);
        d.dma_coherent = fdt_getprop(dtb, node, "dma-coherent", NULL) != NULL;
        /* Insertion sort by address: the blob lists QEMU's virtio-mmio
         * transports from the top down. */
        for (i = n; i > 0 && out[i - 1].base > d.base; i--) {
            out[i] = out[i - 1];
        }
        out[i] = d;
        n++;
    }
    return n;
}
