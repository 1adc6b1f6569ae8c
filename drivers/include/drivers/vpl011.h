/* SPDX-License-Identifier: MIT */
/*
 * Emulated PL011 for a guest: transmit only (no input yet), always ready,
 * with the PrimeCell ID registers so stock drivers probe it. Output goes to
 * the host console a line at a time behind the VM's name.
 */
#pragma once

#include <hv/console.h>
#include <hv/spinlock.h>
#include <stdint.h>

#define VPL011_SIZE 0x1000

struct vcpu;

struct vpl011 {
    struct spinlock lock;
    struct console_line *line;
    const char *name;
    uint32_t cr, lcr_h, ibrd, fbrd, ifls, imsc, dmacr;
};

/** Initialises the model; output lines go to line, labelled name. */
void vpl011_init(struct vpl011 *u, struct console_line *line, const char *name);

/** MMIO callbacks (struct mmio_region), off within the 4 KiB frame. */
int vpl011_read(void *dev, struct vcpu *v, uint64_t off, unsigned int size,
                uint64_t *val);
int vpl011_write(void *dev, struct vcpu *v, uint64_t off, unsigned int size,
                 uint64_t val);
