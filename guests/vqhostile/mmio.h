/* SPDX-License-Identifier: MIT */
/*
 * Register access and addresses shared by vqhostile's device drivers
 * (main.c: virtio-blk, net.c: virtio-net). The guest runs with its MMU
 * off: accesses are aligned, addresses are IPAs.
 */
#pragma once

#include <stdint.h>

static inline uint32_t mmio_read32(uintptr_t base, uint32_t off)
{
    return *(volatile uint32_t *)(base + off);
}

/* The barrier orders ring and buffer writes before the register write
 * (a notify, above all). */
static inline void mmio_write32(uintptr_t base, uint32_t off, uint32_t val)
{
    __asm__ volatile("dsb sy" ::: "memory");
    *(volatile uint32_t *)(base + off) = val;
}

static inline uint64_t ipa_of(const volatile void *p)
{
    return (uint64_t)(uintptr_t)p;
}
