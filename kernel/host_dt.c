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
