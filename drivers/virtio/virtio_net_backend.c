/* SPDX-License-Identifier: MIT */
/*
 * virtio-net backend and the host switch it plugs into; see
 * drivers/virtio_net_backend.h. Queue 0 receives (guest-posted writable
 * buffers), queue 1 transmits (readable chains: 12-byte header, frame).
 */
#include <drivers/virtio_mmio.h>
#include <drivers/virtio_net_backend.h>
#include <drivers/virtio_net_hdr.h>
#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/irq.h>
#include <hv/printk.h>
#include <hv/timer.h>
#include <hv/vm.h>
#include <string.h>

#define VNET_RX 0
#define VNET_TX 1
#define VNET_CONFIG_SIZE 6 /* mac[6] */
#define VNET_FEATURES                                                          \
    (1ULL << VIRTIO_NET_F_MAC | 1ULL << VIRTIO_F_INDIRECT_DESC |               \
     1ULL << VIRTIO_NET_F_CSUM | 1ULL << VIRTIO_NET_F_HOST_TSO4 |              \
     1ULL << VIRTIO_NET_F_HOST_TSO6 | 1ULL << VIRTIO_NET_F_GUEST_CSUM |        \
     1ULL << VIRTIO_NET_F_GUEST_TSO4 | 1ULL << VIRTIO_NET_F_GUEST_TSO6 |       \
     1ULL << VIRTIO_NET_F_MRG_RXBUF | 1ULL << VIRTIO_F_EVENT_IDX)

static struct virtio_net_backend *vnet_of(struct virtio_dev *d)
{
    return (struct virtio_net_backend *)d;
}

/* --- the switch and its uplink ------------------------------------------ */

static struct vswitch hv_switch;
static bool hv_switch_ready;
static struct vswitch_port uplink_port;

static void uplink_deliver(struct vswitch_port *p, const void *frame,
                           uint32_t len, const struct net_meta *m)
{
    (void)netdev_xmit(p->ctx, frame, len, m); /* a full ring drops it */
}

/* A frame from the NIC (its interrupt, CPU 0: the uplink port's inputs
 * are serialised), its request checked by the driver. */
static void uplink_rx(void *ctx, const void *frame, uint32_t len,
                      const struct net_meta *m)
{
    vswitch_input(&hv_switch, ctx, frame, len, m, timer_now_ns());
}

struct vswitch *virtio_net_switch(void)
{
    struct netdev *nic;

    if (hv_switch_ready) {
        return &hv_switch;
    }
    vswitch_init(&hv_switch);
    hv_switch_ready = true;
    nic = netdev_get(0);
    if (nic != NULL) {
        uplink_port.name = nic->name;
        uplink_port.deliver = uplink_deliver;
        uplink_port.ctx = nic;
        uplink_port.offloads = nic->offloads;
        if (vswitch_add_port(&hv_switch, &uplink_port) == 0) {
            netdev_set_rx(nic, uplink_rx, &uplink_port);
            pr_info("switch: uplink %s", nic->name);
        }
    }
    return &hv_switch;
}

/* --- device ----------------------------------------------------------- */

static uint64_t vnet_config_read(struct virtio_dev *d, uint32_t off,
                                 unsigned int size)
{
    uint64_t val = 0;

    memcpy(&val, vnet_of(d)->mac + off, size);
    return val;
}

static bool vnet_live(const struct virtio_dev *d, unsigned int q)
{
    return (d->status & VIRTIO_STATUS_DRIVER_OK) != 0 &&
           (d->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET) == 0 &&
           d->queues[q].ready;
}

/* What the guest negotiated to receive: NET_OFF_*. Lock held, or at
 * DRIVER_OK. */
static uint32_t vnet_rx_offloads(const struct virtio_dev *d)
{
    return vnet_offloads_of(d->drv_features, VIRTIO_NET_F_GUEST_CSUM,
                            VIRTIO_NET_F_GUEST_TSO4, VIRTIO_NET_F_GUEST_TSO6);
}

/* The same for what it may send (CSUM, HOST_TSO4/6). */
static uint32_t vnet_tx_offloads(const struct virtio_dev *d)
{
    return vnet_offloads_of(d->drv_features, VIRTIO_NET_F_CSUM,
                            VIRTIO_NET_F_HOST_TSO4, VIRTIO_NET_F_HOST_TSO6);
}

static void vnet_driver_ok(struct virtio_dev *d)
{
    __atomic_store_n(&vnet_of(d)->port.offloads, vnet_rx_offloads(d),
                     __ATOMIC_RELAXED);
}

static void vnet_reset(struct virtio_dev *d)
{
    __atomic_store_n(&vnet_of(d)->port.offloads, 0, __ATOMIC_RELAXED);
    vnet_of(d)->rx_gen++; /* what is held is for the old rings */
}

/*
 * Copies len bytes between buf and the bytes [off, off + len) of chain c's
 * readable (to_guest false) or writable (true) segments. Plain memcpy: the
 * payload is copied once and never inspected in guest memory, so a guest
 * changing it meanwhile only changes what it sends or gets.
 */
static void vnet_copy(const struct virtq_chain *c, bool to_guest, uint64_t off,
                      uint8_t *buf, uint32_t len)
{
    unsigned int i = to_guest ? c->nr_readable : 0;
    unsigned int end = to_guest ? c->nr_segs : c->nr_readable;
    uint64_t pos = 0;
    uint32_t done = 0;

    for (; i < end && done < len; i++) {
        uint64_t seg_end = pos + c->segs[i].len;

        if (seg_end > off) {
            uint64_t skip = off > pos ? off - pos : 0;
            uint32_t n = (uint32_t)(seg_end - pos - skip);

            n = n < len - done ? n : len - done;
            if (to_guest) {
                memcpy((uint8_t *)c->segs[i].ptr + skip, buf + done, n);
            } else {
                memcpy(buf + done, (uint8_t *)c->segs[i].ptr + skip, n);
            }
            done += n;
            off += n;
        }
        pos = seg_end;
    }
}

/* What a delivery attempt did with a frame, besides -1 (queue broken). */
#define VNET_DROPPED 0   /* not delivered, counted */
#define VNET_DELIVERED 1 /* in the guest's buffers */
#define VNET_NO_ROOM 2   /* too few buffers posted now: nothing taken */

/*
 * With MRG_RXBUF: spreads the header and frame over as many posted buffers
 * as they need, in order, the header (num_buffers: how many) at the start
 * of the first (virtio 1.2, 5.1.6.4). When the guest posted too few, the
 * buffers taken are given back unused: VNET_NO_ROOM, or the frame is
 * dropped when it needs more than the whole ring. rx_lock and dev.lock
 * held; dev.lock is let go for each copy.
 */
static int vnet_deliver_merged(struct virtio_net_backend *n,
                               const uint8_t *frame, uint32_t len,
                               const struct net_meta *m)
{
    struct virtio_dev *d = &n->dev;
    struct virtq *q = &d->queues[VNET_RX].vq;
    uint32_t total = VNET_HDR_SIZE + len;
    uint32_t pos = 0; /* of header + frame, placed so far */
    uint16_t k = 0;
    uint8_t hdr[VNET_HDR_SIZE];

    while (pos < total) {
        struct virtq_chain *c = k == 0 ? &n->chain : &n->chain2;
        int rc = virtq_pop(q, &d->mem, c);
        uint32_t take;

        if (rc < 0) {
            return -1;
        }
        if (rc == 1 && c->nr_readable != 0) {
            virtio_dev_fail(d, "receiveq: device-readable buffer");
            return -1;
        }
        if (rc == 0 && k < q->num) {
            virtq_unpop(q, k); /* too few for now */
            return VNET_NO_ROOM;
        }
        if (rc == 0 || (k == 0 && c->writable_bytes < VNET_HDR_SIZE)) {
            virtq_unpop(q, (uint16_t)(k + rc)); /* never enough, too small */
            n->stats.rx_dropped++;
            return VNET_DROPPED;
        }
        take = c->writable_bytes < total - pos ? (uint32_t)c->writable_bytes
                                               : total - pos;
        virtio_dev_copy_begin(d);
        if (k == 0) {
            vnet_copy(c, true, VNET_HDR_SIZE, (uint8_t *)frame,
                      take - VNET_HDR_SIZE);
        } else {
            vnet_copy(c, true, 0, (uint8_t *)frame + pos - VNET_HDR_SIZE, take);
        }
        virtio_dev_copy_end(d);
        n->mrg_head[k] = c->head;
        n->mrg_len[k] = take;
        pos += take;
        k++;
        if (!vnet_live(d, VNET_RX)) {
            n->stats.rx_dropped++; /* it failed meanwhile */
            return VNET_DROPPED;
        }
    }
    vnet_hdr_from_meta(hdr, m, k);
    vnet_copy(&n->chain, true, 0, hdr, VNET_HDR_SIZE);
    /* All k at once: the driver reads num_buffers and then expects that
     * many used entries. */
    if (virtq_push_many(q, &d->mem, n->mrg_head, n->mrg_len, k) != 0) {
        return -1;
    }
    return VNET_DELIVERED;
}

/* Without MRG_RXBUF: into one buffer, big enough for header and frame
 * (else it is returned empty and the frame dropped). */
static int vnet_deliver_one(struct virtio_net_backend *n, const uint8_t *frame,
                            uint32_t len, const struct net_meta *m)
{
    struct virtio_dev *d = &n->dev;
    struct virtq *q = &d->queues[VNET_RX].vq;
    uint8_t hdr[VNET_HDR_SIZE];
    int rc = virtq_pop(q, &d->mem, &n->chain);

    if (rc != 1) {
        return rc == 0 ? VNET_NO_ROOM : rc;
    }
    if (n->chain.nr_readable != 0) {
        virtio_dev_fail(d, "receiveq: device-readable buffer");
        return -1;
    }
    if (n->chain.writable_bytes < VNET_HDR_SIZE + len) {
        n->stats.rx_dropped++; /* too small: returned empty */
        return virtq_push(q, &d->mem, n->chain.head, 0) != 0 ? -1
                                                             : VNET_DROPPED;
    }
    vnet_hdr_from_meta(hdr, m, 1);
    virtio_dev_copy_begin(d);
    vnet_copy(&n->chain, true, 0, hdr, VNET_HDR_SIZE);
    vnet_copy(&n->chain, true, VNET_HDR_SIZE, (uint8_t *)frame, len);
    virtio_dev_copy_end(d);
    if (!vnet_live(d, VNET_RX)) {
        n->stats.rx_dropped++; /* it failed meanwhile */
        return VNET_DROPPED;
    }
    return virtq_push(q, &d->mem, n->chain.head, VNET_HDR_SIZE + len) != 0
               ? -1
               : VNET_DELIVERED;
}

/* One delivery attempt of a frame the guest takes (VNET_*, or -1 when the
 * queue broke: the device then failed). rx_lock and dev.lock held. */
static int vnet_deliver_now(struct virtio_net_backend *n, const uint8_t *frame,
                            uint32_t len, const struct net_meta *m)
{
    struct virtio_dev *d = &n->dev;
    uint32_t need = net_meta_needs(m);
    int rc;

    if (!vnet_live(d, VNET_RX) || (vnet_rx_offloads(d) & need) != need) {
        /* not running, or reset since the switch looked (the offloads it
         * took are gone) */
        n->stats.rx_dropped++;
        return VNET_DROPPED;
    }
    rc = virtio_dev_has(d, VIRTIO_NET_F_MRG_RXBUF)
             ? vnet_deliver_merged(n, frame, len, m)
             : vnet_deliver_one(n, frame, len, m);
    if (rc == VNET_DELIVERED) {
        virtio_dev_used(d, VNET_RX);
        n->stats.rx_frames++;
        n->stats.rx_gso += m->gso_type != NET_GSO_NONE;
    } else if (rc < 0 && d->queues[VNET_RX].vq.broken) {
        virtio_dev_fail(d, d->queues[VNET_RX].vq.error);
    }
    return rc;
}

/* Asks the guest for notifications of queue q (on) or not. dev.lock
 * held. */
static void vnet_queue_notify(struct virtio_net_backend *n, unsigned int q,
                              bool on)
{
    struct virtio_dev *d = &n->dev;

    if (vnet_live(d, q) &&
        virtq_set_used_flags(&d->queues[q].vq, &d->mem,
                             on ? 0 : VIRTQ_USED_F_NO_NOTIFY) != 0) {
        virtio_dev_fail(d, d->queues[q].vq.error);
    }
}

/* Delivers held frames, oldest first, while the guest has room; those
 * held before a reset are dropped. With none left, the guest is asked
 * not to notify again. rx_lock and dev.lock held. */
static void vnet_flush_held(struct virtio_net_backend *n)
{
    if (n->nr_held == 0) {
        return;
    }
    while (n->nr_held > 0) {
        unsigned int i = n->held_first;
        struct vnet_held_frame *h = &n->held[i];
        int rc = VNET_DROPPED;

        if (h->gen == n->rx_gen) {
            rc = vnet_deliver_now(n, n->held_buf[i], h->len, &h->m);
        } else {
            n->stats.rx_dropped++;
        }
        if (rc == VNET_NO_ROOM) {
            return;
        }
        n->held_first = (i + 1) % VNET_RX_HELD;
        n->nr_held--;
        if (rc < 0) {
            return;
        }
    }
    vnet_queue_notify(n, VNET_RX, false);
}

/* Keeps a copy of a frame the guest has no room for yet, or drops it
 * when VNET_RX_HELD are waiting. The first one held turns the guest's
 * notifications on, then looks again for room posted before that.
 * rx_lock and dev.lock held; dev.lock is let go for the copy. */
static void vnet_hold(struct virtio_net_backend *n, const uint8_t *frame,
                      uint32_t len, const struct net_meta *m)
{
    struct virtio_dev *d = &n->dev;
    unsigned int i = (n->held_first + n->nr_held) % VNET_RX_HELD;

    if (n->nr_held == VNET_RX_HELD || len > sizeof(n->held_buf[i])) {
        n->stats.rx_dropped++;
        return;
    }
    n->held[i].gen = n->rx_gen; /* a reset during the copy drops it */
    virtio_dev_copy_begin(d);
    memcpy(n->held_buf[i], frame, len);
    virtio_dev_copy_end(d);
    n->held[i].len = len;
    n->held[i].m = *m;
    n->stats.rx_held++;
    if (n->nr_held++ == 0) {
        vnet_queue_notify(n, VNET_RX, true);
        vnet_flush_held(n);
    }
}

/*
 * A frame from the switch for this guest: into its next rx buffer(s),
 * after the frames held before it, or held itself. rx_lock keeps
 * deliveries from several CPUs (the NIC's, other guests') one at a time,
 * since dev.lock is let go while a frame is copied.
 */
static void vnet_deliver(struct vswitch_port *p, const void *frame,
                         uint32_t len, const struct net_meta *m)
{
    struct virtio_net_backend *n = p->ctx;
    struct virtio_dev *d = &n->dev;

    spin_lock(&n->rx_lock);
    spin_lock(&d->lock);
    vnet_flush_held(n);
    if (n->nr_held > 0 || vnet_deliver_now(n, frame, len, m) == VNET_NO_ROOM) {
        vnet_hold(n, frame, len, m);
    }
    spin_unlock(&d->lock);
    spin_unlock(&n->rx_lock);
    virtio_dev_sync_irq(d);
}

/* The uplink's NIC, for transmit buffers to build frames in; NULL when
 * sw is not the host switch or it has no uplink. */
static struct netdev *vnet_uplink_nic(const struct virtio_net_backend *n)
{
    return n->sw == &hv_switch && hv_switch_ready ? uplink_port.ctx : NULL;
}

/*
 * Reads the header and frame of transmitted chain c into txmeta and
 * txframe: the frame's length, or 0 when it is dropped (counted). The
 * frame goes into a transmit buffer the uplink's NIC lends when it can
 * (so that a frame for the NIC is copied once, not twice), else into
 * txbuf. The request is checked on the copy, never in guest memory, and
 * must be one the guest negotiated. tx_lock held, not dev.lock (a copy
 * in flight: virtio_dev_copy_begin).
 */
static int vnet_read_tx(struct virtio_net_backend *n,
                        const struct virtq_chain *c)
{
    uint8_t hdr[VNET_HDR_SIZE];
    struct net_meta *m = &n->txmeta;
    struct netdev *nic = vnet_uplink_nic(n);
    uint64_t flen;
    uint32_t need;

    if (c->readable_bytes < VNET_HDR_SIZE + NETDEV_MIN_FRAME ||
        c->readable_bytes > VNET_HDR_SIZE + NET_MAX_GSO_FRAME) {
        n->stats.tx_dropped++;
        return 0;
    }
    flen = c->readable_bytes - VNET_HDR_SIZE;
    vnet_copy(c, false, 0, hdr, VNET_HDR_SIZE);
    vnet_hdr_to_meta(hdr, m);
    /* DATA_VALID is a receive-side flag, and unknown flags are ignored
     * (virtio 1.2, 5.1.6.2.2); fields without a meaning here are cleared,
     * so that nothing of the sender's reaches a receiver unasked. */
    m->flags &= NET_META_NEEDS_CSUM;
    if (m->gso_type == NET_GSO_NONE) {
        m->hdr_len = 0;
        m->gso_size = 0;
    }
    if (m->flags == 0) {
        m->csum_start = 0;
        m->csum_offset = 0;
    }
    if (m->gso_type == NET_GSO_NONE && flen > NETDEV_MAX_FRAME) {
        n->stats.tx_dropped++; /* oversized */
        return 0;
    }
    need = net_meta_needs(m);
    if ((vnet_tx_offloads(&n->dev) & need) != need) {
        n->stats.tx_bad_hdr++;
        return 0;
    }
    n->txframe = nic != NULL ? netdev_tx_borrow(nic, (uint32_t)flen) : NULL;
    n->txlender = n->txframe != NULL ? nic : NULL;
    if (n->txframe == NULL) {
        n->txframe = n->txbuf;
    }
    vnet_copy(c, false, VNET_HDR_SIZE, n->txframe, (uint32_t)flen);
    if (net_meta_check(m, n->txframe, (uint32_t)flen) != 0) {
        n->stats.tx_bad_hdr++;
        return 0;
    }
    return (int)flen;
}

/* Gives back the NIC's buffer txframe was built in, if it was lent: the
 * NIC sends the frame if the switch sent it there. tx_lock held. */
static void vnet_end_loan(struct virtio_net_backend *n)
{
    if (n->txlender != NULL) {
        netdev_tx_return(n->txlender, n->txframe);
        n->txlender = NULL;
    }
}

/* Takes one transmitted frame into txframe (tx_lock held). Its length, 0
 * when there was none or it was dropped, -1 when the queue broke. A loan
 * (vnet_read_tx) may be left even so: vnet_end_loan ends it. */
static int vnet_take_tx(struct virtio_net_backend *n)
{
    struct virtio_dev *d = &n->dev;
    struct virtq_chain *c = &n->txchain;
    int len = 0;
    int rc;

    spin_lock(&d->lock);
    if (!vnet_live(d, VNET_TX)) {
        spin_unlock(&d->lock);
        return -1;
    }
    rc = virtq_pop(&d->queues[VNET_TX].vq, &d->mem, c);
    if (rc == 1 && c->nr_readable != c->nr_segs) {
        virtio_dev_fail(d, "transmitq: device-writable buffer");
        rc = -1;
    } else if (rc == 1) {
        virtio_dev_copy_begin(d);
        len = vnet_read_tx(n, c);
        virtio_dev_copy_end(d);
        if (!vnet_live(d, VNET_TX)) {
            rc = -1; /* it failed meanwhile: the frame is dropped */
        } else if (virtq_push(&d->queues[VNET_TX].vq, &d->mem, c->head, 0) !=
                   0) {
            rc = -1;
        } else {
            virtio_dev_used(d, VNET_TX);
        }
    } else if (rc < 0) {
        virtio_dev_fail(d, d->queues[VNET_TX].vq.error);
    }
    spin_unlock(&d->lock);
    virtio_dev_sync_irq(d);
    return rc == 1 ? len : rc < 0 ? -1 : -2;
}

/* Sends every frame the guest has queued: to the switch, one at a time,
 * without dev.lock (see the header). tx_lock held. */
static void vnet_drain_tx(struct virtio_net_backend *n)
{
    int len;

    while ((len = vnet_take_tx(n)) >= 0) {
        if (len == 0) {
            vnet_end_loan(n);
            continue;
        }
        if (memcmp(n->txframe + ETH_ALEN, n->mac, ETH_ALEN) != 0) {
            n->stats.tx_spoofed++; /* not its own source address */
            vnet_end_loan(n);
            continue;
        }
        n->stats.tx_frames++;
        n->stats.tx_gso += n->txmeta.gso_type != NET_GSO_NONE;
        vswitch_input(n->sw, &n->port, n->txframe, (uint32_t)len, &n->txmeta,
                      timer_now_ns());
        vnet_end_loan(n);
    }
    vnet_end_loan(n);
}

/* Turns the guest's transmit notifications on or off (tx_lock held). */
static void vnet_tx_notify(struct virtio_net_backend *n, bool on)
{
    spin_lock(&n->dev.lock);
    vnet_queue_notify(n, VNET_TX, on);
    spin_unlock(&n->dev.lock);
}

/*
 * The guest's frames, until its queue is empty. While it is drained the
 * guest is asked not to notify: each notification would cost it an exit
 * and only queue this work again. Back on, the queue is drained once
 * more, for frames queued before the guest could see that.
 */
static void vnet_transmit(struct virtio_net_backend *n)
{
    spin_lock(&n->tx_lock);
    vnet_tx_notify(n, false);
    vnet_drain_tx(n);
    vnet_tx_notify(n, true);
    vnet_drain_tx(n);
    spin_unlock(&n->tx_lock);
}

static void vnet_tx_work(struct work *w)
{
    vnet_transmit(container_of(w, struct virtio_net_backend, tx_work));
}

/*
 * The guest notified its transmit queue. With an uplink, the frames are
 * sent from the CPU that takes the NIC's interrupts (work handed over
 * there) when the guest runs on another: that CPU copies and switches
 * them while the guest's vCPU goes on, as a separate I/O thread would.
 * Otherwise, here and now.
 */
static void vnet_after_notify(struct virtio_dev *d, unsigned int q)
{
    struct virtio_net_backend *n = vnet_of(d);

    if (q == VNET_RX) {
        /* The guest posted buffers, maybe for frames held (it is asked
         * to notify only then). */
        spin_lock(&n->rx_lock);
        spin_lock(&d->lock);
        vnet_flush_held(n);
        spin_unlock(&d->lock);
        spin_unlock(&n->rx_lock);
        virtio_dev_sync_irq(d);
        return;
    }
    if (vnet_uplink_nic(n) != NULL && arch_cpu_id() != IRQ_HOST_CPU) {
        (void)work_queue(&n->tx_work, IRQ_HOST_CPU);
        return;
    }
    vnet_transmit(n);
}

/* Transmit: after_notify does the work. Receive: buffers wait for
 * frames, so the guest is told not to notify again (it still may),
 * unless frames are held for it: after_notify delivers them. dev.lock
 * held. */
static int vnet_notify(struct virtio_dev *d, unsigned int q)
{
    if (q == VNET_RX && vnet_of(d)->nr_held == 0) {
        return virtq_set_used_flags(&d->queues[VNET_RX].vq, &d->mem,
                                    VIRTQ_USED_F_NO_NOTIFY);
    }
    return 0;
}

static void vnet_report(struct virtio_dev *d)
{
    const struct virtio_net_stats *s = &vnet_of(d)->stats;

    pr_info("vm %s: virtio-net: rx %lu frames (%lu dropped, %lu held), tx "
            "%lu frames (%lu dropped, %lu spoofed, %lu bad requests)",
            d->vm != NULL ? d->vm->name : "test", (unsigned long)s->rx_frames,
            (unsigned long)s->rx_dropped, (unsigned long)s->rx_held,
            (unsigned long)s->tx_frames, (unsigned long)s->tx_dropped,
            (unsigned long)s->tx_spoofed, (unsigned long)s->tx_bad_hdr);
}

static const struct virtio_dev_ops vnet_ops = {
    .name = "virtio-net",
    .device_id = VIRTIO_ID_NET,
    .features = VNET_FEATURES,
    .nr_queues = 2,
    .queue_max = VNET_QUEUE_MAX,
    .config_size = VNET_CONFIG_SIZE,
    .config_read = vnet_config_read,
    .notify = vnet_notify,
    .after_notify = vnet_after_notify,
    .driver_ok = vnet_driver_ok,
    .reset = vnet_reset,
    .report = vnet_report,
};

/* Guests' addresses so far: two guests with one MAC would confuse the
 * switch (and could intercept each other's traffic). */
static struct {
    uint8_t mac[ETH_ALEN];
    const char *vm;
} macs[VSWITCH_MAX_PORTS];
static unsigned int nr_macs;

int virtio_net_claim_mac(const uint8_t *mac, const char *vm_name)
{
    unsigned int i;

    for (i = 0; i < nr_macs; i++) {
        if (memcmp(macs[i].mac, mac, ETH_ALEN) == 0) {
            pr_err("vm %s: virtio-net address is vm %s's already", vm_name,
                   macs[i].vm);
            return -HV_EBUSY;
        }
    }
    if (nr_macs == VSWITCH_MAX_PORTS) {
        pr_err("vm %s: virtio-net: the switch has no free port", vm_name);
        return -HV_ENOSPC;
    }
    memcpy(macs[nr_macs].mac, mac, ETH_ALEN);
    macs[nr_macs++].vm = vm_name;
    return 0;
}

int virtio_net_backend_init(struct virtio_net_backend *n, struct vm *vm,
                            unsigned int spi, const struct virtq_mem *mem,
                            const uint8_t *mac, struct vswitch *sw)
{
    memset(n, 0, sizeof(*n));
    memcpy(n->mac, mac, ETH_ALEN);
    n->sw = sw;
    n->tx_lock = (struct spinlock)SPINLOCK_INIT;
    n->rx_lock = (struct spinlock)SPINLOCK_INIT;
    work_init(&n->tx_work, vnet_tx_work);
    n->port.name = vm != NULL ? vm->name : "test";
    n->port.deliver = vnet_deliver;
    n->port.ctx = n;
    virtio_dev_init(&n->dev, vm, &vnet_ops, n, spi, mem);
    return vswitch_add_port(sw, &n->port);
}
