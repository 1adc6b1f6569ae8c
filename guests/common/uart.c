/* SPDX-License-Identifier: MIT */
/*
 * Minimal polled PL011 driver: transmit only, no interrupts, usable from
 * exception handlers since it never allocates or locks.
 */
#include "uart.h"

#define UART_DR 0x00
#define UART_FR 0x18
#define UART_FR_TXFF (1U << 5)

static inline uint32_t uart_read_reg(unsigned long off)
{
    return *(volatile uint32_t *)(UART_BASE + off);
}

static inline void uart_write_reg(unsigned long off, uint32_t val)
{
    *(volatile uint32_t *)(UART_BASE + off) = val;
}

void uart_putc(char c)
{
    while (uart_read_reg(UART_FR) & UART_FR_TXFF) {
        /* wait for room in the FIFO */
    }
    uart_write_reg(UART_DR, (uint32_t)(unsigned char)c);
}

void uart_puts(const char *s)
{
    while (*s != '\0') {
        uart_putc(*s++);
    }
}

void uart_write(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        uart_putc(buf[i]);
    }
}

void uart_puthex(uint64_t val)
{
    static const char digits[] = "0123456789abcdef";

    uart_puts("0x");
    for (int shift = 60; shift >= 0; shift -= 4) {
        uart_putc(digits[(val >> shift) & 0xf]);
    }
}
