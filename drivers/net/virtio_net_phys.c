/* SPDX-License-Identifier: MIT */
/*
 * virtio-net driver for the host's own NICs: QEMU's virtio-net-device on a
 * virtio-mmio transport (version 2, virtio 1.2 sections 4.2 and 5.1), one
 * receive and one transmit queue, interrupt driven, frames by copy. It
 * implements drivers/netdev.h; guests never see these devices.
 *
 * Features: VERSION_1 and, when offered, MAC; nothing else (no checksum
 * offload, no GSO, no mergeable receive buffers, no control queue, no link
 * status: the link is taken to be up). Without MAC the interface gets a
 * locally administered address made from the transport's address.
 *
 * Design: every frame is one descriptor holding the 12-byte virtio_net_hdr
 * (VERSION_1 layout, num_buffers included; all zero: no offloads) followed
 * by the frame. Descriptor i of a queue is tied for good to buffer i of
 * that queue's driver memory (VNET_BUF_SIZE bytes: the header and
 * NETDEV_MAX_FRAME, with room for a VLAN tag so that a tagged frame is
 * only dropped, not a device error), so a used id leads straight to its
 * buffer and no chain is ever built.
 *  - Receive: every buffer is posted device-writable at start-up. The
 *    interrupt handler takes the used ones, strips the header, hands each
 *    frame to netdev_receive() with no lock held, then posts the buffers
 *    again.
 *  - Transmit: netdev_xmit() copies the frame behind a zeroed header into
 *    a free buffer and posts it. Sent buffers are reclaimed by the
 *    interrupt handler, and by xmit itself when it finds none free; with
 *    none free after that the frame is dropped (-HV_EAGAIN).
 * The device is trusted hardware, but a used entry that names a buffer
 * not posted, a used index running ahead of what is posted, or a receive
 * length beyond the buffer is treated as a device failure rather than
 * followed.
 *
 * DMA and barriers: as drivers/virtio_phys.h describes (transport, queue
 * set-up and ring publishing are shared with the virtio-blk driver).
 *
 * Interrupts: one line per transport (QEMU: rising edge). The handler
 * acknowledges InterruptStatus before reaping, so no completion is missed.
 *
 * Failure: DEVICE_NEEDS_RESET (with a configuration-change interrupt) or
 * a malformed used ring: the device is logged, reset, its interrupt is
 * disabled and netdev_xmit returns -HV_EIO from then on.
 *
 * Locking: vn->lock guards both rings (free buffers, posted flags, avail
 * and used indices) and `broken`. xmit may run on any CPU; the interrupt
 * handler runs on CPU 0 with interrupts masked and drops the lock while
 * frames are delivered, so a consumer may transmit from its rx callback.
 * The receive batch (rx_ids, rx_lens) is the handler's alone.
 */
#include <drivers/netdev.h>
#include <drivers/virtio_mmio.h>
#include <drivers/virtio_phys.h>
#include <drivers/virtq.h> /* VIRTQ_DESC_F_WRITE */
#include <hv/errno.h>
#include <hv/irq.h>
#include <hv/page_alloc.h>
#include <hv/printk.h>
#include <hv/spinlock.h>
#include <string.h>

#define VNET_QUEUE_SIZE 128 /* entries per ring asked for, at most */
#define VNET_MIN_QUEUE 2
#define VNET_VLAN_TAG 4
/* Header + the largest frame (+ a VLAN tag), rounded up to 64 bytes. */
#define VNET_BUF_SIZE                                                          \
    ALIGN_UP(VIRTIO_NET_HDR_SIZE + NETDEV_MAX_FRAME + VNET_VLAN_TAG, 64)
#define VNET_FAULT_LEN 8 /* inject_fault: shorter than the header */

/* The features Shoji accepts when offered; VERSION_1 is also required. */
#define VNET_FEATURES_WANTED VIRTIO_PHYS_FEATURE(VIRTIO_NET_F_MAC)

_Static_assert(VNET_BUF_SIZE >= 1526, "virtio 1.2, 5.1.6.3: at least "
                                      "1526 bytes per receive buffer");

struct vnet {
    struct netdev dev;
    struct virtio_phys t;
    struct spinlock lock;
    bool broken;
    bool fault_next; /* netdev_inject_fault(): next header short */
    bool mac_from_device;

    /* By queue number; the extra memory holds the buffers. */
    struct virtio_phys_vq vq[2];
    uint8_t *rx_bufs;
    uint8_t *tx_bufs;

    /* Under lock. */
    bool rx_posted[VNET_QUEUE_SIZE];
    uint16_t nr_rx_posted;
    bool tx_busy[VNET_QUEUE_SIZE];
    uint16_t tx_free[VNET_QUEUE_SIZE]; /* a stack of free buffers */
    uint16_t nr_tx_free;

    /* The interrupt handler's receive batch. */
    uint16_t rx_ids[VNET_QUEUE_SIZE];
    uint32_t rx_lens[VNET_QUEUE_SIZE];
};

static void vnet_irq(unsigned int intid, void *ctx);
static int vnet_xmit(struct netdev *d, const void *frame, uint32_t len);
static void vnet_inject_fault(struct netdev *d);

static const struct netdev_ops vnet_ops = {
    .xmit = vnet_xmit,
    .inject_fault = vnet_inject_fault,
};

static struct virtio_phys_vq *vnet_rxq(struct vnet *vn)
{
    return &vn->vq[VIRTIO_NET_Q_RX];
}

static struct virtio_phys_vq *vnet_txq(struct vnet *vn)
{
    return &vn->vq[VIRTIO_NET_Q_TX];
}

static uint8_t *vnet_rx_buf(const struct vnet *vn, uint16_t i)
{
    return vn->rx_bufs + (size_t)i * VNET_BUF_SIZE;
}

static uint8_t *vnet_tx_buf(const struct vnet *vn, uint16_t i)
{
    return vn->tx_bufs + (size_t)i * VNET_BUF_SIZE;
}

/* Makes receive buffer i device-writable again (pushed, not published).
 * Lock held. */
static void vnet_post_rx(struct vnet *vn, uint16_t i)
{
    virtio_phys_vq_set_desc(vnet_rxq(vn), i, vnet_rx_buf(vn, i), VNET_BUF_SIZE,
                            VIRTQ_DESC_F_WRITE, 0);
    vn->rx_posted[i] = true;
    vn->nr_rx_posted++;
    virtio_phys_vq_push(vnet_rxq(vn), i);
}

static void vnet_config_read(const struct virtio_phys *t, void *ctx)
{
    uint8_t *mac = ctx;
    unsigned int i;

    for (i = 0; i < ETH_ALEN; i++) {
        mac[i] = virtio_phys_cfg_rd8(t, VIRTIO_NET_CFG_MAC + i);
    }
}

/* The interface's address: the device's, or a locally administered
 * unicast one (02:...) made from the transport's address. */
static int vnet_read_mac(struct vnet *vn, uint64_t features)
{
    uint8_t *mac = vn->dev.mac;

    if (features & VIRTIO_PHYS_FEATURE(VIRTIO_NET_F_MAC)) {
        vn->mac_from_device = true;
        return virtio_phys_read_config(&vn->t, vnet_config_read, mac);
    }
    mac[0] = 0x02;
    mac[1] = 'S';
    mac[2] = 'H';
    mac[3] = (uint8_t)(vn->t.base >> 24);
    mac[4] = (uint8_t)(vn->t.base >> 16);
    mac[5] = (uint8_t)(vn->t.base >> 9); /* transports are 0x200 apart */
    return 0;
}

static int vnet_setup_queues(struct vnet *vn)
{
    uint16_t i;
    int rc;

    rc = virtio_phys_vq_setup(&vn->t, vnet_rxq(vn), VIRTIO_NET_Q_RX,
                              VNET_QUEUE_SIZE, VNET_MIN_QUEUE, VNET_BUF_SIZE);
    if (rc == 0) {
        rc = virtio_phys_vq_setup(&vn->t, vnet_txq(vn), VIRTIO_NET_Q_TX,
                                  VNET_QUEUE_SIZE, VNET_MIN_QUEUE,
                                  VNET_BUF_SIZE);
    }
    if (rc != 0) {
        return rc;
    }
    vn->rx_bufs = vnet_rxq(vn)->extra;
    vn->tx_bufs = vnet_txq(vn)->extra;
    for (i = 0; i < vnet_txq(vn)->num; i++) {
        vn->tx_free[i] = (uint16_t)(vnet_txq(vn)->num - 1 - i);
    }
    vn->nr_tx_free = vnet_txq(vn)->num;
    /* Every receive buffer goes in now (virtio 1.2, 3.1.1 step 7 fills
     * the queues before DRIVER_OK); the kick after DRIVER_OK publishes
     * them. */
    for (i = 0; i < vnet_rxq(vn)->num; i++) {
        vnet_post_rx(vn, i);
    }
    return 0;
}

/* The whole initialisation (virtio 1.2, 3.1.1 and 5.1.5). Logs why it
 * fails. */
static int vnet_init(struct vnet *vn)
{
    uint64_t features;
    int rc;

    rc = virtio_phys_begin(&vn->t, VNET_FEATURES_WANTED, &features);
    if (rc == 0) {
        rc = vnet_setup_queues(vn);
    }
    if (rc == 0) {
        rc = vnet_read_mac(vn, features);
    }
    if (rc != 0) {
        return rc;
    }
    vn->dev.ops = &vnet_ops;
    vn->dev.priv = vn;
    rc = virtio_phys_go(&vn->t, vnet_irq, vn);
    if (rc == 0) {
        virtio_phys_vq_kick(&vn->t, vnet_rxq(vn));
    }
    return rc;
}

/* The device cannot be used any more. Lock held. */
static void vnet_break(struct vnet *vn, const char *why)
{
    virtio_phys_break(&vn->t, vn->dev.name, why);
    vn->broken = true;
}

/* Drops the lock; once the device has failed, also its interrupt. */
static void vnet_unlock(struct vnet *vn)
{
    bool off = vn->broken && vn->t.irq_on;

    if (off) {
        vn->t.irq_on = false;
    }
    spin_unlock(&vn->lock);
    if (off) {
        irq_unregister(vn->t.irq);
    }
}

/* Takes back the transmit buffers the device has sent. Lock held. */
static void vnet_reclaim_tx(struct vnet *vn)
{
    uint16_t n = virtio_phys_vq_used_count(vnet_txq(vn));

    /* One used entry per frame: never more new ones than in flight. */
    if (n > vnet_txq(vn)->num - vn->nr_tx_free) {
        vnet_break(vn, "transmit used index ran ahead of the frames in "
                       "flight");
        return;
    }
    while (n-- > 0) {
        uint32_t id = virtio_phys_vq_take(vnet_txq(vn)).id;

        if (id >= vnet_txq(vn)->num || !vn->tx_busy[id]) {
            vnet_break(vn, "transmit used ring names a buffer not in "
                           "flight");
            return;
        }
        vn->tx_busy[id] = false;
        vn->tx_free[vn->nr_tx_free++] = (uint16_t)id;
    }
}

/* Moves the used receive buffers into the handler's batch; returns how
 * many. Lock held. */
static uint16_t vnet_take_rx(struct vnet *vn)
{
    uint16_t n = virtio_phys_vq_used_count(vnet_rxq(vn));
    uint16_t k;

    if (n > vn->nr_rx_posted) {
        vnet_break(vn, "receive used index ran ahead of the buffers posted");
        return 0;
    }
    for (k = 0; k < n; k++) {
        struct vring_used_elem e = virtio_phys_vq_take(vnet_rxq(vn));

        if (e.id >= vnet_rxq(vn)->num || !vn->rx_posted[e.id]) {
            vnet_break(vn, "receive used ring names a buffer not posted");
            return 0;
        }
        if (e.len > VNET_BUF_SIZE) {
            vnet_break(vn, "device wrote past a receive buffer");
            return 0;
        }
        vn->rx_posted[e.id] = false;
        vn->nr_rx_posted--;
        vn->rx_ids[k] = (uint16_t)e.id;
        vn->rx_lens[k] = e.len;
    }
    return n;
}

static void vnet_irq(unsigned int intid, void *ctx)
{
    struct vnet *vn = ctx;
    uint16_t n = 0;
    uint16_t k;

    spin_lock(&vn->lock);
    if (!vn->broken) {
        uint32_t isr = virtio_phys_irq_ack(&vn->t);

        if (virtio_phys_needs_reset(&vn->t, isr)) {
            vnet_break(vn, "device reports DEVICE_NEEDS_RESET");
        } else {
            vnet_reclaim_tx(vn);
        }
    }
    if (!vn->broken) {
        n = vnet_take_rx(vn);
    }
    spin_unlock(&vn->lock);

    for (k = 0; k < n; k++) {
        uint32_t len = vn->rx_lens[k];

        if (len < VIRTIO_NET_HDR_SIZE + NETDEV_MIN_FRAME ||
            len > VIRTIO_NET_HDR_SIZE + NETDEV_MAX_FRAME) {
            __atomic_fetch_add(&vn->dev.stats.rx_dropped, 1, __ATOMIC_RELAXED);
            continue;
        }
        netdev_receive(&vn->dev,
                       vnet_rx_buf(vn, vn->rx_ids[k]) + VIRTIO_NET_HDR_SIZE,
                       len - VIRTIO_NET_HDR_SIZE);
    }

    spin_lock(&vn->lock);
    if (n > 0 && !vn->broken) {
        for (k = 0; k < n; k++) {
            vnet_post_rx(vn, vn->rx_ids[k]);
        }
        virtio_phys_vq_kick(&vn->t, vnet_rxq(vn));
    }
    vnet_unlock(vn);
}

static int vnet_xmit(struct netdev *d, const void *frame, uint32_t len)
{
    struct vnet *vn = d->priv;
    uint32_t dlen = VIRTIO_NET_HDR_SIZE + len;
    uint8_t *buf;
    uint16_t i;

    spin_lock(&vn->lock);
    if (!vn->broken && vn->nr_tx_free == 0) {
        vnet_reclaim_tx(vn);
    }
    if (vn->broken) {
        vnet_unlock(vn);
        return -HV_EIO;
    }
    if (vn->nr_tx_free == 0) {
        spin_unlock(&vn->lock);
        return -HV_EAGAIN;
    }
    i = vn->tx_free[--vn->nr_tx_free];
    buf = vnet_tx_buf(vn, i);
    memset(buf, 0, VIRTIO_NET_HDR_SIZE); /* no offloads, num_buffers 0 */
    memcpy(buf + VIRTIO_NET_HDR_SIZE, frame, len);
    if (vn->fault_next) {
        dlen = VNET_FAULT_LEN;
        vn->fault_next = false;
    }
    virtio_phys_vq_set_desc(vnet_txq(vn), i, buf, dlen, 0, 0);
    vn->tx_busy[i] = true;
    virtio_phys_vq_push(vnet_txq(vn), i);
    virtio_phys_vq_kick(&vn->t, vnet_txq(vn));
    spin_unlock(&vn->lock);
    return 0;
}

static void vnet_inject_fault(struct netdev *d)
{
    struct vnet *vn = d->priv;

    spin_lock(&vn->lock);
    vn->fault_next = true;
    spin_unlock(&vn->lock);
}

/* Probes one virtio-mmio transport holding a network device. */
static void vnet_probe_one(const struct virtio_phys *t)
{
    struct vnet *vn = kzalloc(sizeof(*vn)); /* boot-time, never freed */
    const uint8_t *m;

    if (vn == NULL) {
        pr_err("virtio-mmio at 0x%lx: out of memory; skipped",
               (unsigned long)t->base);
        return;
    }
    vn->t = *t;
    vn->lock = (struct spinlock)SPINLOCK_INIT;
    if (vnet_init(vn) != 0) {
        virtio_phys_give_up(&vn->t, vn->vq, ARRAY_SIZE(vn->vq));
        return;
    }
    if (netdev_register(&vn->dev) != 0) {
        pr_err("virtio-mmio at 0x%lx: more than %u network interfaces; "
               "skipped",
               (unsigned long)t->base, NETDEV_MAX);
        virtio_phys_give_up(&vn->t, vn->vq, ARRAY_SIZE(vn->vq));
        return;
    }
    m = vn->dev.mac;
    pr_info("%s: mac %02x:%02x:%02x:%02x:%02x:%02x%s (virtio-net at 0x%lx, "
            "interrupt %u %s, %u receive and %u transmit buffers)",
            vn->dev.name, m[0], m[1], m[2], m[3], m[4], m[5],
            vn->mac_from_device ? "" : " (locally administered)",
            (unsigned long)vn->t.base, vn->t.irq,
            vn->t.irq_edge ? "edge" : "level", vnet_rxq(vn)->num,
            vnet_txq(vn)->num);
}

void virtio_net_phys_probe(const void *dtb)
{
    virtio_phys_scan(dtb, VIRTIO_ID_NET, "virtio-net", "network device",
                     vnet_probe_one);
}
