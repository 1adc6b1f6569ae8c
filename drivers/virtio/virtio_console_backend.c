/* SPDX-License-Identifier: MIT */
/*
 * virtio-console backend; see drivers/virtio_console.h. Queue 0 is the
 * receive queue (the guest's empty buffers wait there, unused), queue 1
 * the transmit queue: each chain must be device-readable only; its bytes
 * go to the VM's console line and the chain is returned at once.
 */
#include <drivers/virtio_console.h>
#include <drivers/virtio_mmio.h>
#include <hv/errno.h>

#define VCON_RX 0
#define VCON_TX 1
#define VCON_QUEUE_MAX 128
/* cols, rows (le16), max_nr_ports, emerg_wr (le32): all zero here. */
#define VCON_CONFIG_SIZE 12

static struct virtio_console *vcon_of(struct virtio_dev *d)
{
    return (struct virtio_console *)d;
}

static uint64_t vcon_config_read(struct virtio_dev *d, uint32_t off,
                                 unsigned int size)
{
    (void)d;
    (void)off;
    (void)size;
    return 0;
}

static void vcon_print(struct virtio_console *c, const struct virtq_chain *ch)
{
    unsigned int i;

    for (i = 0; i < ch->nr_segs; i++) {
        const volatile char *p = ch->segs[i].ptr;
        uint32_t n;

        for (n = 0; n < ch->segs[i].len; n++) {
            console_guest_putc(&c->line, c->name, p[n]);
        }
    }
}

static int vcon_notify(struct virtio_dev *d, unsigned int q)
{
    struct virtio_console *c = vcon_of(d);
    struct virtq *vq = &d->queues[q].vq;
    int rc;

    if (q == VCON_RX) {
        return 0; /* no input: the buffers stay with us until reset */
    }
    while ((rc = virtq_pop(vq, &d->mem, &c->chain)) == 1) {
        if (c->chain.nr_readable != c->chain.nr_segs) {
            virtio_dev_fail(d, "transmitq: device-writable buffer");
            return -HV_EINVAL;
        }
        vcon_print(c, &c->chain);
        if (virtq_push(vq, &d->mem, c->chain.head, 0) != 0) {
            return -HV_EINVAL;
        }
        virtio_dev_used(d, q);
    }
    return rc;
}

static void vcon_reset(struct virtio_dev *d)
{
    struct virtio_console *c = vcon_of(d);

    console_guest_flush(&c->line, c->name);
}

static const struct virtio_dev_ops vcon_ops = {
    .name = "virtio-console",
    .device_id = VIRTIO_ID_CONSOLE,
    .features = 0,
    .nr_queues = 2,
    .queue_max = VCON_QUEUE_MAX,
    .config_size = VCON_CONFIG_SIZE,
    .config_read = vcon_config_read,
    .notify = vcon_notify,
    .reset = vcon_reset,
};

void virtio_console_init(struct virtio_console *c, struct vm *vm,
                         unsigned int spi, const struct virtq_mem *mem,
                         const char *name)
{
    c->line.len = 0;
    c->name = name;
    virtio_dev_init(&c->dev, vm, &vcon_ops, c, spi, mem);
}
