/* SPDX-License-Identifier: MIT */
/*
 * Guest-facing PL011 model (ARM PrimeCell UART r1p5 register map).
 * Receive is always empty; transmit completes at once. Bytes go to the
 * VM's console line under the model's lock.
 */
#include <drivers/vpl011.h>
#include <hv/arch.h>
#include <hv/config.h>
#include <hv/errno.h>

#define UARTDR 0x000
#define UARTRSR 0x004
#define UARTFR 0x018
#define UARTILPR 0x020
#define UARTIBRD 0x024
#define UARTFBRD 0x028
#define UARTLCR_H 0x02c
#define UARTCR 0x030
#define UARTIFLS 0x034
#define UARTIMSC 0x038
#define UARTRIS 0x03c
#define UARTMIS 0x040
#define UARTICR 0x044
#define UARTDMACR 0x048
#define UARTPERIPHID0 0xfe0
#define UARTPCELLID0 0xff0

#define FR_RXFE (1U << 4)
#define FR_TXFE (1U << 7)
#define RIS_TXRIS (1U << 5)

static const uint8_t vpl011_ids[8] = {
    0x11, 0x10, 0x14, 0x00, /* PeriphID0..3: PL011 r1p5 */
    0x0d, 0xf0, 0x05, 0xb1, /* PCellID0..3 */
};

/* Raw interrupt status: transmit always has room, receive never has data. */
static uint32_t vpl011_ris(const struct vpl011 *u)
{
    (void)u;
    return RIS_TXRIS;
}

/* Drives the interrupt line; call without u->lock held. */
static void vpl011_update_irq(struct vpl011 *u, bool level)
{
    if (u->vm != NULL) {
        arch_vm_set_irq_line(u->vm, VM_UART_SPI, level);
    }
}

void vpl011_init(struct vpl011 *u, struct vm *vm, struct console_line *line,
                 const char *name)
{
    u->lock = (struct spinlock)SPINLOCK_INIT;
    u->vm = vm;
    u->irq_level = false;
    u->line = line;
    u->name = name;
    u->cr = 0x300; /* TXE | RXE, as after reset */
    u->lcr_h = 0;
    u->ibrd = 0;
    u->fbrd = 0;
    u->ifls = 0x12;
    u->imsc = 0;
    u->dmacr = 0;
}

int vpl011_read(void *dev, struct vcpu *v, uint64_t off, unsigned int size,
                uint64_t *val)
{
    struct vpl011 *u = dev;
    uint32_t r = 0;

    if (size > 4 || (off & (size - 1)) != 0) {
        return -HV_EFAULT;
    }
    spin_lock(&u->lock);
    switch (off & ~3UL) {
    case UARTDR:
    case UARTRSR:
    case UARTILPR:
    case UARTICR:
        r = 0;
        break;
    case UARTFR:
        r = FR_TXFE | FR_RXFE;
        break;
    case UARTIBRD:
        r = u->ibrd;
        break;
    case UARTFBRD:
        r = u->fbrd;
        break;
    case UARTLCR_H:
        r = u->lcr_h;
        break;
    case UARTCR:
        r = u->cr;
        break;
    case UARTIFLS:
        r = u->ifls;
        break;
    case UARTIMSC:
        r = u->imsc;
        break;
    case UARTRIS:
        r = vpl011_ris(u);
        break;
    case UARTMIS:
        r = vpl011_ris(u) & u->imsc;
        break;
    case UARTDMACR:
        r = u->dmacr;
        break;
    default:
        if (off >= UARTPERIPHID0 && off < UARTPERIPHID0 + 0x20) {
            r = vpl011_ids[(off - UARTPERIPHID0) / 4];
        }
        break;
    }
    spin_unlock(&u->lock);
    *val = (r >> ((off & 3) * 8)) &
           (size == 4 ? 0xffffffffU : (1U << (size * 8)) - 1);
    return 0;
}

int vpl011_write(void *dev, struct vcpu *v, uint64_t off, unsigned int size,
                 uint64_t val)
{
    struct vpl011 *u = dev;
    uint32_t w = (uint32_t)val;
    bool level;
    bool changed;

    if (size > 4 || (off & (size - 1)) != 0) {
        return -HV_EFAULT;
    }
    spin_lock(&u->lock);
    switch (off) {
    case UARTDR:
        console_guest_putc(u->line, u->name, (char)(w & 0xff));
        break;
    case UARTIBRD:
        u->ibrd = w & 0xffff;
        break;
    case UARTFBRD:
        u->fbrd = w & 0x3f;
        break;
    case UARTLCR_H:
        u->lcr_h = w & 0xff;
        break;
    case UARTCR:
        u->cr = w & 0xffff;
        break;
    case UARTIFLS:
        u->ifls = w & 0x3f;
        break;
    case UARTIMSC:
        u->imsc = w & 0x7ff;
        break;
    case UARTDMACR:
        u->dmacr = w & 0x7;
        break;
    default:
        break; /* ICR, RSR clears and read-only registers: ignored */
    }
    level = (vpl011_ris(u) & u->imsc) != 0;
    changed = level != u->irq_level;
    u->irq_level = level;
    spin_unlock(&u->lock);
    if (changed) {
        vpl011_update_irq(u, level);
    }
    return 0;
}
