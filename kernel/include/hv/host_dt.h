/* SPDX-License-Identifier: MIT */
/*
 * What the host device tree says that common code needs: RAM, the console
 * UART, the boot arguments and where the boot loader put the setup blob
 * (the "initrd"). The arch part (CPUs, GIC, timer) is parsed in arch/.
 */
#pragma once

#include <hv/types.h>

struct host_info {
    uint64_t ram_base;
    uint64_t ram_size;
    uint64_t uart_base;
    uint64_t initrd_start;
    uint64_t initrd_end;
    uint64_t dtb_size;
    char bootargs[128];
};

/** Parses dtb into info. 0, or -HV_EINVAL with *why set. */
int host_dt_parse(const void *dtb, struct host_info *info, const char **why);

/** Finds the value of "key=" in bootargs; copies it into out. */
bool host_dt_bootarg(const struct host_info *info, const char *key, char *out,
                     size_t out_size);
