/* SPDX-License-Identifier: MIT */
/*
 * Emulated MMIO regions of a VM. A trapped guest access inside a region is
 * handed to the region's read or write callback; accesses elsewhere are
 * faults that get injected into the guest.
 */
#pragma once

#include <hv/types.h>

struct vcpu;

struct mmio_region {
    uint64_t base; /* IPA */
    uint64_t size;
    void *dev;
    /* Return 0, or a negative HV_E* value to inject a fault. */
    int (*read)(void *dev, struct vcpu *v, uint64_t off, unsigned int size,
                uint64_t *val);
    int (*write)(void *dev, struct vcpu *v, uint64_t off, unsigned int size,
                 uint64_t val);
};

#define VM_MAX_MMIO_REGIONS 8

struct mmio_map {
    struct mmio_region regions[VM_MAX_MMIO_REGIONS];
    unsigned int nr;
};

/** Adds a region; -HV_ENOSPC when full, -HV_EEXIST when it overlaps. */
int mmio_add(struct mmio_map *map, const struct mmio_region *r);

/** Returns the region holding [ipa, ipa + size), or NULL. */
const struct mmio_region *mmio_find(const struct mmio_map *map, uint64_t ipa,
                                    unsigned int size);

/**
 * Emulates one access. Returns 0 when done (for reads *val is set), or
 * -HV_EFAULT when no region handles it.
 */
int mmio_access(const struct mmio_map *map, struct vcpu *v, uint64_t ipa,
                unsigned int size, bool write, uint64_t *val);
