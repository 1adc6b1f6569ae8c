/* SPDX-License-Identifier: MIT */
/* Host PL011 UART: polled output for the hypervisor console. */
#pragma once

#include <stdint.h>

struct pl011 {
    volatile uint32_t *base;
};

/** Sets the UART up for output at whatever rate firmware left. */
void pl011_init(struct pl011 *u, uint64_t base);

/** Writes one byte, waiting while the FIFO is full. */
void pl011_putc(void *ctx, char c);
