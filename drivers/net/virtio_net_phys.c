/* SPDX-License-Identifier: MIT */
/*
 * virtio-net driver for the host's own NICs: QEMU's virtio-net-device on a
 * virtio-mmio transport (version 2, virtio 1.2 sections 4.2 and 5.1), one
 * receive and one transmit queue, interrupt driven, frames by copy. It
 * implements drivers/netdev.h; guests never see these devices.
 *
 * Features: VERSION_1 and, when offered, MAC and the offloads CSUM,
 * HOST_TSO4/6 (the NIC completes checksums and segments TCP frames of up
 * to 64 KiB that Shoji sends) and GUEST_CSUM, GUEST_TSO4/6 (it hands Shoji
 * partial checksums and coalesced TCP frames); nothing else (no mergeable
 * receive buffers, no control queue, no link status: the link is taken to
 * be up). Without MAC the interface gets a locally administered address
 * made from the transport's address. The interface's `offloads` are the
 * ones negotiated, with their dependencies (TSO needs CSUM).
 *
 * Design: every frame is one descriptor holding the 12-byte virtio_net_hdr
 * (VERSION_1 layout, num_buffers included) followed by the frame.
 * Descriptor i of a queue is tied for good to buffer i of that queue's
 * driver memory, so a used id leads straight to its buffer and no chain is
 * ever built. A buffer holds the header and NETDEV_MAX_FRAME, with room
 * for a VLAN tag so that a tagged frame is only dropped, not a device
 * error; with TSO in that direction, the header and NET_MAX_GSO_FRAME
 * (virtio 1.2, 5.1.6.3.1: 65562-byte receive buffers without mergeable
 * buffers), and then the rings are shorter (VNET_BIG_QUEUE_SIZE).
 *  - Receive: every buffer is posted device-writable at start-up. The
 *    interrupt handler takes the used ones, turns each header into the
 *    frame's offload request (checked: net_meta_check; a bad one drops the
 *    frame), hands the frame to netdev_receive() with no lock held, then
 *    posts the buffers again.
 *  - Transmit: netdev_xmit() copies the frame behind a header made from
 *    its request into a free buffer and posts it. Sent buffers raise no
 *    interrupt (VIRTQ_AVAIL_F_NO_INTERRUPT): xmit reclaims them when it
 *    finds none free, as does the interrupt handler whenever it runs;
 *    with none free after that the frame is dropped (-HV_EAGAIN). A free
 *    buffer may also be lent (netdev_tx_borrow) to a caller that builds
 *    its frame there: xmit of that frame records it, and the buffer's
 *    return posts it, with no copy.
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
#include <drivers/virtio_net_hdr.h>
#include <drivers/virtio_phys.h>
#include <drivers/virtq.h> /* VIRTQ_DESC_F_WRITE */
#include <hv/errno.h>
#include <hv/irq.h>
#include <hv/page_alloc.h>
#include <hv/printk.h>
#include <hv/spinlock.h>
#include <string.h>

#define VNET_QUEUE_SIZE 128    /* entries per ring asked for, at most */
#define VNET_BIG_QUEUE_SIZE 64 /* the same with 64 KiB buffers */
#define VNET_MIN_QUEUE 2
#define VNET_VLAN_TAG 4
/* Header + the largest frame (+ a VLAN tag), rounded up to 64 bytes. */
#define VNET_BUF_SIZE                                                          \
    ALIGN_UP(VIRTIO_NET_HDR_SIZE + NETDEV_MAX_FRAME + VNET_VLAN_TAG, 64)
/* The same for 64 KiB frames (at least 65562 bytes). */
#define VNET_BIG_BUF_SIZE                                                      \
    ALIGN_UP(VIRTIO_NET_HDR_SIZE + NET_MAX_GSO_FRAME + VNET_VLAN_TAG, 64)
#define VNET_FAULT_LEN 8 /* inject_fault: shorter than the header */

/* The features Shoji accepts when offered; VERSION_1 is also required. */
#define VNET_FEATURES_WANTED                                                   \
    (VIRTIO_PHYS_FEATURE(VIRTIO_NET_F_MAC) |                                   \
     VIRTIO_PHYS_FEATURE(VIRTIO_NET_F_CSUM) |                                  \
     VIRTIO_PHYS_FEATURE(VIRTIO_NET_F_HOST_TSO4) |                             \
     VIRTIO_PHYS_FEATURE(VIRTIO_NET_F_HOST_TSO6) |                             \
     VIRTIO_PHYS_FEATURE(VIRTIO_NET_F_GUEST_CSUM) |                            \
     VIRTIO_PHYS_FEATURE(VIRTIO_NET_F_GUEST_TSO4) |                            \
     VIRTIO_PHYS_FEATURE(VIRTIO_NET_F_GUEST_TSO6))

_Static_assert(VNET_BUF_SIZE >= 1526, "virtio 1.2, 5.1.6.3: at least "
                                      "1526 bytes per receive buffer");
_Static_assert(VNET_BIG_BUF_SIZE >= 65562, "virtio 1.2, 5.1.6.3.1: at least "
                                           "65562 bytes with GUEST_TSO");

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
    uint32_t rx_buf_size, tx_buf_size;
    bool gso_rx; /* GUEST_TSO4/6: the device may coalesce what it hands */

    /* Under lock. */
    bool rx_posted[VNET_QUEUE_SIZE];
    uint16_t nr_rx_posted;
    bool tx_busy[VNET_QUEUE_SIZE];
    uint16_t tx_free[VNET_QUEUE_SIZE]; /* a stack of free buffers */
    uint16_t nr_tx_free;
    /* Buffers lent (netdev_tx_borrow), and the frame xmit recorded in
     * each, to be sent when it comes back. */
    bool tx_lent[VNET_QUEUE_SIZE];
    bool tx_lent_send[VNET_QUEUE_SIZE];
    uint32_t tx_lent_len[VNET_QUEUE_SIZE];
    struct net_meta tx_lent_meta[VNET_QUEUE_SIZE];
    uint16_t nr_tx_lent;

    /* The interrupt handler's receive batch. */
    uint16_t rx_ids[VNET_QUEUE_SIZE];
    uint32_t rx_lens[VNET_QUEUE_SIZE];
};

static void vnet_irq(unsigned int intid, void *ctx);
static int vnet_xmit(struct netdev *d, const void *frame, uint32_t len,
                     const struct net_meta *m);
static void vnet_inject_fault(struct netdev *d);

static void *vnet_tx_borrow(struct netdev *d, uint32_t len);
static void vnet_tx_return(struct netdev *d, void *buf);

static const struct netdev_ops vnet_ops = {
    .xmit = vnet_xmit,
    .inject_fault = vnet_inject_fault,
    .tx_borrow = vnet_tx_borrow,
    .tx_return = vnet_tx_return,
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
    return vn->rx_bufs + (size_t)i * vn->rx_buf_size;
}

static uint8_t *vnet_tx_buf(const struct vnet *vn, uint16_t i)
{
    return vn->tx_bufs + (size_t)i * vn->tx_buf_size;
}

/* Makes receive buffer i device-writable again (pushed, not published).
 * Lock held. */
static void vnet_post_rx(struct vnet *vn, uint16_t i)
{
    virtio_phys_vq_set_desc(vnet_rxq(vn), i, vnet_rx_buf(vn, i),
                            vn->rx_buf_size, VIRTQ_DESC_F_WRITE, 0);
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

static int vnet_setup_queues(struct vnet *vn, uint64_t features)
{
    uint16_t rx_max, tx_max;
    uint16_t i;
    int rc;

    vn->dev.offloads =
        vnet_offloads_of(features, VIRTIO_NET_F_CSUM, VIRTIO_NET_F_HOST_TSO4,
                         VIRTIO_NET_F_HOST_TSO6);
    /* The device may coalesce what it receives once GUEST_TSO4/6 are
     * accepted (they need GUEST_CSUM: the offered set is taken as it
     * is). */
    vn->gso_rx =
        (features & (VIRTIO_PHYS_FEATURE(VIRTIO_NET_F_GUEST_TSO4) |
                     VIRTIO_PHYS_FEATURE(VIRTIO_NET_F_GUEST_TSO6))) != 0;
    vn->rx_buf_size = vn->gso_rx ? VNET_BIG_BUF_SIZE : VNET_BUF_SIZE;
    vn->tx_buf_size = (vn->dev.offloads & (NET_OFF_TSO4 | NET_OFF_TSO6)) != 0
                          ? VNET_BIG_BUF_SIZE
                          : VNET_BUF_SIZE;
    rx_max = vn->gso_rx ? VNET_BIG_QUEUE_SIZE : VNET_QUEUE_SIZE;
    tx_max = vn->tx_buf_size == VNET_BIG_BUF_SIZE ? VNET_BIG_QUEUE_SIZE
                                                  : VNET_QUEUE_SIZE;
    rc = virtio_phys_vq_setup(&vn->t, vnet_rxq(vn), VIRTIO_NET_Q_RX, rx_max,
                              VNET_MIN_QUEUE, vn->rx_buf_size);
    if (rc == 0) {
        rc = virtio_phys_vq_setup(&vn->t, vnet_txq(vn), VIRTIO_NET_Q_TX, tx_max,
                                  VNET_MIN_QUEUE, vn->tx_buf_size);
    }
    if (rc != 0) {
        return rc;
    }
    vn->rx_bufs = vnet_rxq(vn)->extra;
    vn->tx_bufs = vnet_txq(vn)->extra;
    for (i = 0; i < vnet_txq(vn)->num; i++) {
        vn->tx_free[i] = (uint16_t)(vnet_txq(vn)->num - 1 - i);
    }
    /* Sent frames need no interrupt: xmit takes their buffers back when
     * it runs out (and the handler whenever it runs). */
    vnet_txq(vn)->avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
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
        rc = vnet_setup_queues(vn, features);
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
    if (n > vnet_txq(vn)->num - vn->nr_tx_free - vn->nr_tx_lent) {
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
        if (e.len > vn->rx_buf_size) {
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

/* Hands the frame in a used receive buffer (len bytes with the header)
 * to the consumer, or drops it: a bad length or request. No lock held. */
static void vnet_deliver_rx(struct vnet *vn, const uint8_t *buf, uint32_t len)
{
    struct net_meta m;

    if (len < VIRTIO_NET_HDR_SIZE + NETDEV_MIN_FRAME) {
        goto drop;
    }
    len -= VIRTIO_NET_HDR_SIZE;
    vnet_hdr_to_meta(buf, &m);
    /* Coalesced frames only if Shoji asked for them. */
    if ((m.gso_type != NET_GSO_NONE && !vn->gso_rx) ||
        net_meta_check(&m, buf + VIRTIO_NET_HDR_SIZE, len) != 0) {
        goto drop;
    }
    netdev_receive(&vn->dev, buf + VIRTIO_NET_HDR_SIZE, len, &m);
    return;
drop:
    __atomic_fetch_add(&vn->dev.stats.rx_dropped, 1, __ATOMIC_RELAXED);
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
        vnet_deliver_rx(vn, vnet_rx_buf(vn, vn->rx_ids[k]), vn->rx_lens[k]);
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

/* Puts buffer i, holding a frame of len bytes behind room for the header,
 * on the transmit ring with m's request, and notifies. Lock held. */
static void vnet_post_tx(struct vnet *vn, uint16_t i, uint32_t len,
                         const struct net_meta *m)
{
    uint8_t *buf = vnet_tx_buf(vn, i);
    uint32_t dlen = VIRTIO_NET_HDR_SIZE + len;

    vnet_hdr_from_meta(buf, m, 0);
    buf[VNET_HDR_FLAGS] &= (uint8_t)~NET_META_DATA_VALID; /* receive only */
    if (vn->fault_next) {
        dlen = VNET_FAULT_LEN;
        vn->fault_next = false;
    }
    virtio_phys_vq_set_desc(vnet_txq(vn), i, buf, dlen, 0, 0);
    vn->tx_busy[i] = true;
    virtio_phys_vq_push(vnet_txq(vn), i);
    virtio_phys_vq_kick(&vn->t, vnet_txq(vn));
}

/* A free transmit buffer, reclaiming sent ones if there is none: its
 * index, or -HV_EIO (failed) or -HV_EAGAIN (none). Lock held. */
static int vnet_get_tx(struct vnet *vn)
{
    if (!vn->broken && vn->nr_tx_free == 0) {
        vnet_reclaim_tx(vn);
    }
    if (vn->broken) {
        return -HV_EIO;
    }
    if (vn->nr_tx_free == 0) {
        return -HV_EAGAIN;
    }
    return vn->tx_free[--vn->nr_tx_free];
}

/* The lent buffer whose frame starts at frame, or -1. Lock held. */
static int vnet_lent_index(struct vnet *vn, const void *frame)
{
    uintptr_t off = (uintptr_t)frame - (uintptr_t)vn->tx_bufs;
    uint16_t i;

    if ((uintptr_t)frame < (uintptr_t)vn->tx_bufs ||
        off % vn->tx_buf_size != VIRTIO_NET_HDR_SIZE) {
        return -1;
    }
    i = (uint16_t)(off / vn->tx_buf_size);
    return i < vnet_txq(vn)->num && vn->tx_lent[i] ? i : -1;
}

static int vnet_xmit(struct netdev *d, const void *frame, uint32_t len,
                     const struct net_meta *m)
{
    struct vnet *vn = d->priv;
    int i;

    spin_lock(&vn->lock);
    i = vnet_lent_index(vn, frame);
    if (i >= 0) {
        /* Built in place: sent when the loan ends (see netdev.h). */
        vn->tx_lent_send[i] = true;
        vn->tx_lent_len[i] = len;
        vn->tx_lent_meta[i] = *m;
        spin_unlock(&vn->lock);
        return 0;
    }
    i = vnet_get_tx(vn);
    if (i < 0) {
        vnet_unlock(vn);
        return i;
    }
    memcpy(vnet_tx_buf(vn, (uint16_t)i) + VIRTIO_NET_HDR_SIZE, frame, len);
    vnet_post_tx(vn, (uint16_t)i, len, m);
    spin_unlock(&vn->lock);
    return 0;
}

static void *vnet_tx_borrow(struct netdev *d, uint32_t len)
{
    struct vnet *vn = d->priv;
    void *buf = NULL;
    int i;

    spin_lock(&vn->lock);
    if (VIRTIO_NET_HDR_SIZE + len <= vn->tx_buf_size &&
        (i = vnet_get_tx(vn)) >= 0) {
        vn->tx_lent[i] = true;
        vn->tx_lent_send[i] = false;
        vn->nr_tx_lent++;
        buf = vnet_tx_buf(vn, (uint16_t)i) + VIRTIO_NET_HDR_SIZE;
    }
    vnet_unlock(vn);
    return buf;
}

static void vnet_tx_return(struct netdev *d, void *buf)
{
    struct vnet *vn = d->priv;
    int i;

    spin_lock(&vn->lock);
    i = vnet_lent_index(vn, buf);
    if (i < 0) {
        spin_unlock(&vn->lock);
        return; /* not a loan of ours: ignored */
    }
    vn->tx_lent[i] = false;
    vn->nr_tx_lent--;
    if (vn->tx_lent_send[i] && !vn->broken) {
        vnet_post_tx(vn, (uint16_t)i, vn->tx_lent_len[i], &vn->tx_lent_meta[i]);
    } else {
        vn->tx_free[vn->nr_tx_free++] = (uint16_t)i;
    }
    spin_unlock(&vn->lock);
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
