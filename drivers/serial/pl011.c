/* SPDX-License-Identifier: MIT */
/* Host PL011 UART driver (output only, polled). */
#include <drivers/pl011.h>

#define UARTDR 0x00
#define UARTFR 0x18
#define UARTCR 0x30
#define FR_TXFF (1U << 5)
#define CR_UARTEN (1U << 0)
#define CR_TXE (1U << 8)

void pl011_init(struct pl011 *u, uint64_t base)
{
    u->base = (volatile uint32_t *)(uintptr_t)base;
    u->base[UARTCR / 4] |= CR_UARTEN | CR_TXE;
}

void pl011_putc(void *ctx, char c)
{
    struct pl011 *u = ctx;

    while (u->base[UARTFR / 4] & FR_TXFF) {
        /* FIFO full */
    }
    u->base[UARTDR / 4] = (uint32_t)(unsigned char)c;
}
