/* SPDX-License-Identifier: MIT */
/*
 * Emulated PL011 for a guest: transmit only (no input yet), always ready,
 * with the PrimeCell ID registers so stock drivers probe it. Output goes to
 * the host console a line at a time behind the VM's name. The interrupt
 * output (the VM's SPI VM_UART_SPI) is high while an unmasked raw
 * interrupt is set; the transmit FIFO is always below its level, so it is
 * high exactly while the guest unmasks TXIM, as a driver waiting for room
 * expects.
 */
#pragma once

#include <hv/console.h>
#include <hv/spinlock.h>
#include <stdint.h>

#define VPL011_SIZE 0x1000

struct vcpu;
struct vm;

struct vpl011 {
    struct spinlock lock;
    struct vm *vm;
    bool irq_level;
    struct console_line *line;
    const char *name;
    uint32_t cr, lcr_h, ibrd, fbrd, ifls, imsc, dmacr;
};

/** Initialises the model of vm's UART; output lines go to line, labelled
 * name. vm may be NULL (no interrupt output, e.g. in unit tests). */
void vpl011_init(struct vpl011 *u, struct vm *vm, struct console_line *line,
                 const char *name);

/** MMIO callbacks (struct mmio_region), off within the 4 KiB frame. */
int vpl011_read(void *dev, struct vcpu *v, uint64_t off, unsigned int size,
                uint64_t *val);
int vpl011_write(void *dev, struct vcpu *v, uint64_t off, unsigned int size,
                 uint64_t val);
