/* SPDX-License-Identifier: MIT */
/*
 * What the host device tree says that common code needs: RAM, the console
 * UART, the boot arguments, where the boot loader put the setup blob
 * (the "initrd"), and the devices Shoji drives itself (virtio-mmio disks).
 * The arch part (CPUs, GIC, timer) is parsed in arch/.
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

/* A memory-mapped device of the host with one wired interrupt. */
struct host_dev {
    uint64_t base;
    uint64_t size;
    unsigned int irq;  /* GIC INTID of its SPI; 0 when it has no usable one */
    bool irq_edge;     /* rising edge (else level high) */
    bool dma_coherent; /* "dma-coherent": its DMA snoops the CPU caches */
};

/**
 * Finds the enabled nodes compatible with `compatible` that have a reg
 * property, in ascending address order, and stores up to max of them in
 * out. A node whose interrupt is missing, not a GIC SPI or of a trigger
 * the GIC cannot take (falling edge, level low) gets irq 0. Returns how
 * many were stored. Only reads the blob; runs with the MMU on or off.
 */
unsigned int host_dt_find_devices(const void *dtb, const char *compatible,
                                  struct host_dev *out, unsigned int max);
