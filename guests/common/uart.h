/* SPDX-License-Identifier: MIT */
/*
 * Polled output on the guest's PL011 (IPA 0x09000000).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define UART_BASE 0x09000000UL

/** Writes one byte, waiting while the transmit FIFO is full. */
void uart_putc(char c);

/** Writes a NUL-terminated string. */
void uart_puts(const char *s);

/** Writes len bytes from buf. */
void uart_write(const char *buf, size_t len);

/** Writes val as 0x-prefixed, 16-digit hexadecimal (no printf needed). */
void uart_puthex(uint64_t val);
