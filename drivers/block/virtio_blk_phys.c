/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk driver for the host's own disks: QEMU's virtio-blk-device on
 * a virtio-mmio transport (version 2, virtio 1.2 sections 4.2 and 5.2),
 * one split virtqueue, interrupt driven, many requests in flight. It
 * implements drivers/blkdev.h; guests never see these devices (their
 * stage-2 maps only their RAM, so 0x0a000000 is not reachable from them).
 *
 * Design: every request is one descriptor chain: a 16-byte header the
 * device reads, the data segments (device-writable for reads), and a
 * 1-byte status the device writes. The header and status of a chain live
 * in driver memory indexed by the chain's head descriptor, and the
 * request is found again by that head when the device returns it in the
 * used ring. Free descriptors form a list linked through next[], a
 * driver-private shadow of desc[].next: a chain is simply the first n
 * entries of the free list, already linked in order, and goes back to its
 * front as a whole. The device is trusted hardware, but a used entry that
 * names no chain in flight, or a used index running ahead of what is in
 * flight, is treated as a device failure rather than followed.
 *
 * DMA and barriers: as drivers/virtio_phys.h describes (the transport,
 * queue set-up and ring publishing are shared with the virtio-net driver
 * in drivers/virtio/virtio_phys_common.c).
 *
 * Interrupts: one line per transport, edge or level as the device tree
 * says (QEMU: rising edge). The handler acknowledges InterruptStatus
 * before reaping, so with an edge-triggered line no completion is missed:
 * one posted after the acknowledgement raises a new edge.
 *
 * Failure: DEVICE_NEEDS_RESET (with a configuration-change interrupt) or
 * a malformed used ring: the device is logged, reset, everything in flight
 * completes with -HV_EIO, its interrupt is disabled and later requests get
 * -HV_EIO. Other configuration changes (a resize) are not followed: the
 * capacity is read once, at probe.
 *
 * Locking: vb->lock guards the ring state (free list, avail and used
 * indices, in-flight table, stats, broken). blkdev_submit may run on any
 * CPU and routes the interrupt to its CPU (irq_follow_cpu); the handler
 * runs with interrupts masked on whichever CPU takes it (two may, just
 * after a route change: the lock makes that harmless). done callbacks are
 * made after the lock is dropped, so they may submit again.
 */
#include <drivers/blkdev.h>
#include <drivers/virtio_mmio.h>
#include <drivers/virtio_phys.h>
#include <drivers/virtq.h> /* VIRTQ_DESC_F_* */
#include <hv/errno.h>
#include <hv/irq.h>
#include <hv/page_alloc.h>
#include <hv/printk.h>
#include <hv/spinlock.h>

#define VBLK_QUEUE_SIZE 256    /* ring entries asked for, at most */
#define VBLK_MIN_QUEUE 4       /* header + at least 2 segments + status */
#define VBLK_STATUS_UNSET 0xff /* not a status the device writes */

/* Device configuration space (virtio 1.2, 5.2.4), offsets from 0x100. */
#define VBLK_CFG_CAPACITY 0x00 /* le64, 512-byte sectors */
#define VBLK_CFG_SIZE_MAX 0x08 /* le32 */
#define VBLK_CFG_SEG_MAX 0x0c  /* le32 */

/* The features Shoji accepts when offered; VERSION_1 is also required. */
#define VBLK_FEATURES_WANTED                                                   \
    (VIRTIO_PHYS_FEATURE(VIRTIO_BLK_F_FLUSH) |                                 \
     VIRTIO_PHYS_FEATURE(VIRTIO_BLK_F_SEG_MAX) |                               \
     VIRTIO_PHYS_FEATURE(VIRTIO_BLK_F_SIZE_MAX) |                              \
     VIRTIO_PHYS_FEATURE(VIRTIO_BLK_F_RO) |                                    \
     VIRTIO_PHYS_FEATURE(VIRTIO_F_INDIRECT_DESC))
/* With INDIRECT_DESC, a request takes one ring entry, pointing at its own
 * table: header, segments, status. */
#define VBLK_TABLE_ENTRIES (BLK_MAX_SEGS + 2)
#define VBLK_EXTRA_PER_ENTRY                                                   \
    (sizeof(struct vblk_hdr) + 1 +                                             \
     VBLK_TABLE_ENTRIES * sizeof(struct vring_desc) + 16)

/* virtio-blk request header (virtio 1.2, 5.2.6). */
struct vblk_hdr {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

_Static_assert(sizeof(struct vblk_hdr) == 16, "request header layout");

struct vblk {
    struct blkdev dev;
    struct virtio_phys t;
    struct spinlock lock;

    /* Queue 0. Its per-entry driver memory holds the headers, then the
     * status bytes, both indexed by head descriptor. */
    struct virtio_phys_vq q;
    struct vblk_hdr *hdrs;
    volatile uint8_t *statuses;
    struct vring_desc *tables; /* VBLK_TABLE_ENTRIES per head */
    bool indirect;             /* VIRTIO_F_INDIRECT_DESC negotiated */

    /* Ring state, under lock. */
    uint16_t free_head;
    uint16_t nr_free;
    bool broken;
    bool fault_next; /* blkdev_inject_fault(): next header short */
    uint16_t next[VBLK_QUEUE_SIZE];          /* free list and chain links */
    struct blk_req *reqs[VBLK_QUEUE_SIZE];   /* in flight, by head */
    unsigned int chain_len[VBLK_QUEUE_SIZE]; /* descriptors, by head */
};

/* Configuration as read under one ConfigGeneration. */
struct vblk_config {
    uint64_t capacity;
    uint32_t seg_max;
    uint32_t size_max;
};

static void vblk_config_read(const struct virtio_phys *t, void *ctx)
{
    struct vblk_config *c = ctx;
    uint64_t lo = virtio_phys_rd(t, VIRTIO_MMIO_CONFIG + VBLK_CFG_CAPACITY);
    uint64_t hi = virtio_phys_rd(t, VIRTIO_MMIO_CONFIG + VBLK_CFG_CAPACITY + 4);

    c->capacity = hi << 32 | lo;
    c->seg_max = virtio_phys_rd(t, VIRTIO_MMIO_CONFIG + VBLK_CFG_SEG_MAX);
    c->size_max = virtio_phys_rd(t, VIRTIO_MMIO_CONFIG + VBLK_CFG_SIZE_MAX);
}

/* Reads capacity and limits. */
static int vblk_read_config(struct vblk *vb, uint64_t features)
{
    struct vblk_config c;
    int rc = virtio_phys_read_config(&vb->t, vblk_config_read, &c);

    if (rc != 0) {
        return rc;
    }
    vb->dev.sectors = c.capacity;
    /* Header and status take two descriptors of the ring, or of the
     * request's own table with INDIRECT_DESC. */
    vb->dev.max_segs =
        vb->indirect ? BLK_MAX_SEGS : MIN(BLK_MAX_SEGS, vb->q.num - 2U);
    if (features & VIRTIO_PHYS_FEATURE(VIRTIO_BLK_F_SEG_MAX)) {
        vb->dev.max_segs = MIN(vb->dev.max_segs, MAX(c.seg_max, 1U));
    }
    if (features & VIRTIO_PHYS_FEATURE(VIRTIO_BLK_F_SIZE_MAX)) {
        vb->dev.max_seg_len = MAX(c.size_max, (uint32_t)BLK_SECTOR_SIZE);
    }
    return 0;
}

/* Sets up queue 0 and the free list over it. */
static int vblk_setup_queue(struct vblk *vb)
{
    unsigned int i;
    int rc;

    rc = virtio_phys_vq_setup(&vb->t, &vb->q, 0, VBLK_QUEUE_SIZE,
                              VBLK_MIN_QUEUE, VBLK_EXTRA_PER_ENTRY);
    if (rc != 0) {
        return rc;
    }
    vb->hdrs = vb->q.extra;
    vb->statuses = (volatile uint8_t *)(vb->hdrs + vb->q.num);
    vb->tables = (struct vring_desc *)ALIGN_UP(
        (uintptr_t)(vb->statuses + vb->q.num), (uintptr_t)16);
    for (i = 0; i < vb->q.num; i++) {
        vb->next[i] = (uint16_t)(i + 1);
    }
    vb->free_head = 0;
    vb->nr_free = vb->q.num;
    return 0;
}

static void vblk_irq(unsigned int intid, void *ctx);
static int vblk_submit(struct blkdev *d, struct blk_req *r);
static void vblk_inject_fault(struct blkdev *d);

static const struct blkdev_ops vblk_ops = {
    .submit = vblk_submit,
    .inject_fault = vblk_inject_fault,
};

/* The whole initialisation (virtio 1.2, 3.1.1). Logs why it fails. */
static int vblk_init(struct vblk *vb)
{
    uint64_t features;
    int rc;

    rc = virtio_phys_begin(&vb->t, VBLK_FEATURES_WANTED, &features);
    vb->indirect =
        (features & VIRTIO_PHYS_FEATURE(VIRTIO_F_INDIRECT_DESC)) != 0;
    if (rc == 0) {
        rc = vblk_setup_queue(vb);
    }
    if (rc == 0) {
        rc = vblk_read_config(vb, features);
    }
    if (rc != 0) {
        return rc;
    }
    vb->dev.flush = (features & VIRTIO_PHYS_FEATURE(VIRTIO_BLK_F_FLUSH)) != 0;
    vb->dev.read_only = (features & VIRTIO_PHYS_FEATURE(VIRTIO_BLK_F_RO)) != 0;
    vb->dev.ops = &vblk_ops;
    vb->dev.priv = vb;
    return virtio_phys_go(&vb->t, vblk_irq, vb);
}

static void vblk_set_desc(struct vblk *vb, uint16_t i, const void *buf,
                          uint32_t len, uint16_t flags)
{
    virtio_phys_vq_set_desc(&vb->q, i, buf, len, flags, vb->next[i]);
}

static uint32_t vblk_req_type(uint32_t type)
{
    switch (type) {
    case BLK_REQ_READ:
        return VIRTIO_BLK_T_IN;
    case BLK_REQ_WRITE:
        return VIRTIO_BLK_T_OUT;
    default:
        return VIRTIO_BLK_T_FLUSH; /* blkdev_submit let nothing else by */
    }
}

/* Fills head's own table with the request's chain and points the ring
 * entry at it. vb->lock held. */
static void vblk_fill_table(struct vblk *vb, uint16_t head,
                            const struct blk_req *r, uint16_t data_flags)
{
    struct vring_desc *t = &vb->tables[head * VBLK_TABLE_ENTRIES];
    unsigned int n = r->nr_segs + 2;
    unsigned int k;

    t[0].addr = pa_addr(ptr_to_pa(&vb->hdrs[head]));
    t[0].len = vb->fault_next ? 8 : sizeof(struct vblk_hdr);
    for (k = 0; k < r->nr_segs; k++) {
        t[k + 1].addr = pa_addr(ptr_to_pa(r->segs[k].buf));
        t[k + 1].len = r->segs[k].len;
    }
    t[n - 1].addr = pa_addr(ptr_to_pa((const void *)&vb->statuses[head]));
    t[n - 1].len = 1;
    for (k = 0; k < n; k++) {
        t[k].flags = k == 0       ? VIRTQ_DESC_F_NEXT
                     : k == n - 1 ? VIRTQ_DESC_F_WRITE
                                  : data_flags;
        t[k].next = (uint16_t)(k + 1);
    }
    vb->fault_next = false;
    vblk_set_desc(vb, head, t, (uint32_t)(n * sizeof(*t)),
                  VIRTQ_DESC_F_INDIRECT);
}

static int vblk_submit(struct blkdev *dev, struct blk_req *r)
{
    struct vblk *vb = dev->priv;
    unsigned int nd = vb->indirect ? 1 : r->nr_segs + 2;
    uint16_t data_flags = VIRTQ_DESC_F_NEXT;
    struct vblk_hdr *hdr;
    uint16_t head;
    uint16_t i;
    unsigned int k;

    /* The completion goes where the request came from: usually the CPU
     * of the guest that waits for it. */
    irq_follow_cpu(vb->t.irq);

    if (r->type == BLK_REQ_READ) {
        data_flags |= VIRTQ_DESC_F_WRITE;
    }
    spin_lock(&vb->lock);
    if (vb->broken) {
        spin_unlock(&vb->lock);
        return -HV_EIO;
    }
    if (vb->nr_free < nd) {
        spin_unlock(&vb->lock);
        return -HV_EAGAIN;
    }
    head = vb->free_head;
    hdr = &vb->hdrs[head];
    hdr->type = vblk_req_type(r->type);
    hdr->reserved = 0;
    hdr->sector = r->type == BLK_REQ_FLUSH ? 0 : r->sector;
    vb->statuses[head] = VBLK_STATUS_UNSET;

    /* The chain is the first nd entries of the free list, in order (one
     * entry, pointing at the request's table, with INDIRECT_DESC). */
    i = head;
    if (vb->indirect) {
        vblk_fill_table(vb, head, r, data_flags);
    } else {
        vblk_set_desc(vb, i, hdr, vb->fault_next ? 8 : sizeof(*hdr),
                      VIRTQ_DESC_F_NEXT);
        vb->fault_next = false;
        for (k = 0; k < r->nr_segs; k++) {
            i = vb->next[i];
            vblk_set_desc(vb, i, r->segs[k].buf, r->segs[k].len, data_flags);
        }
        i = vb->next[i];
        vblk_set_desc(vb, i, (const void *)&vb->statuses[head], 1,
                      VIRTQ_DESC_F_WRITE);
    }
    vb->free_head = vb->next[i];
    vb->nr_free = (uint16_t)(vb->nr_free - nd);
    vb->reqs[head] = r;
    vb->chain_len[head] = nd;
    r->drv_head = head;

    virtio_phys_vq_push(&vb->q, head);
    virtio_phys_vq_kick(&vb->t, &vb->q);

    dev->stats.submitted++;
    dev->stats.inflight++;
    dev->stats.max_inflight = MAX(dev->stats.max_inflight, dev->stats.inflight);
    spin_unlock(&vb->lock);
    return 0;
}

static void vblk_inject_fault(struct blkdev *dev)
{
    struct vblk *vb = dev->priv;

    spin_lock(&vb->lock);
    vb->fault_next = true;
    spin_unlock(&vb->lock);
}

/* A list of completed requests, in completion order. */
struct vblk_done {
    struct blk_req *first;
    struct blk_req **tail;
};

static void vblk_complete(struct vblk *vb, uint16_t head, int status,
                          struct vblk_done *done)
{
    struct blk_req *r = vb->reqs[head];
    unsigned int n = vb->chain_len[head];
    uint16_t last = head;
    unsigned int k;

    for (k = 1; k < n; k++) {
        last = vb->next[last];
    }
    vb->next[last] = vb->free_head;
    vb->free_head = head;
    vb->nr_free = (uint16_t)(vb->nr_free + n);
    vb->reqs[head] = NULL;

    r->drv_status = status;
    r->drv_next = NULL;
    *done->tail = r;
    done->tail = &r->drv_next;
    vb->dev.stats.inflight--;
    vb->dev.stats.completed++;
    if (status != 0) {
        vb->dev.stats.errors++;
    }
}

/* The device cannot be used any more: reset it and fail what was in
 * flight. Called with vb->lock held, from the interrupt handler. */
static void vblk_break(struct vblk *vb, const char *why, struct vblk_done *done)
{
    unsigned int i;

    virtio_phys_break(&vb->t, vb->dev.name, why);
    vb->broken = true;
    for (i = 0; i < vb->q.num; i++) {
        if (vb->reqs[i] != NULL) {
            vblk_complete(vb, (uint16_t)i, -HV_EIO, done);
        }
    }
}

static int vblk_status_to_errno(uint8_t st)
{
    if (st == VIRTIO_BLK_S_OK) {
        return 0;
    }
    return st == VIRTIO_BLK_S_UNSUPP ? -HV_ENOTSUP : -HV_EIO;
}

/* Takes every used entry the device has posted. Lock held. */
static void vblk_reap(struct vblk *vb, struct vblk_done *done)
{
    uint16_t n = virtio_phys_vq_used_count(&vb->q);

    /* One used entry per request: never more new ones than in flight. */
    if (n > vb->dev.stats.inflight) {
        vblk_break(vb, "used index ran ahead of the requests in flight", done);
        return;
    }
    while (n-- > 0) {
        uint32_t id = virtio_phys_vq_take(&vb->q).id;

        if (id >= vb->q.num || vb->reqs[id] == NULL) {
            vblk_break(vb, "used ring names a descriptor not in flight", done);
            return;
        }
        vblk_complete(vb, (uint16_t)id, vblk_status_to_errno(vb->statuses[id]),
                      done);
    }
}

static void vblk_irq(unsigned int intid, void *ctx)
{
    struct vblk *vb = ctx;
    struct vblk_done done = {NULL, &done.first};
    bool off = false;

    spin_lock(&vb->lock);
    if (!vb->broken) {
        /* Acknowledged before reaping: nothing posted later is missed. */
        uint32_t isr = virtio_phys_irq_ack(&vb->t);

        if (virtio_phys_needs_reset(&vb->t, isr)) {
            vblk_break(vb, "device reports DEVICE_NEEDS_RESET", &done);
        } else {
            vblk_reap(vb, &done);
        }
    }
    if (vb->broken && vb->t.irq_on) {
        vb->t.irq_on = false;
        off = true;
    }
    spin_unlock(&vb->lock);

    if (off) {
        irq_unregister(intid);
    }
    while (done.first != NULL) {
        struct blk_req *r = done.first;

        done.first = r->drv_next; /* done() may reuse r */
        r->done(r, r->drv_status);
    }
}

/* Probes one virtio-mmio transport holding a block device. */
static void vblk_probe_one(const struct virtio_phys *t)
{
    struct vblk *vb = kzalloc(sizeof(*vb)); /* boot-time, never freed */

    if (vb == NULL) {
        pr_err("virtio-mmio at 0x%lx: out of memory; skipped",
               (unsigned long)t->base);
        return;
    }
    vb->t = *t;
    vb->lock = (struct spinlock)SPINLOCK_INIT;
    if (vblk_init(vb) != 0) {
        virtio_phys_give_up(&vb->t, &vb->q, 1);
        return;
    }
    if (blkdev_register(&vb->dev) != 0) {
        pr_err("virtio-mmio at 0x%lx: more than %u disks; skipped",
               (unsigned long)t->base, BLKDEV_MAX);
        virtio_phys_give_up(&vb->t, &vb->q, 1);
        return;
    }
    pr_info("%s: %lu sectors, flush %s%s (virtio-blk at 0x%lx, interrupt %u "
            "%s, queue %u, %u segments per request)",
            vb->dev.name, (unsigned long)vb->dev.sectors,
            vb->dev.flush ? "yes" : "no",
            vb->dev.read_only ? ", read-only" : "", (unsigned long)vb->t.base,
            vb->t.irq, vb->t.irq_edge ? "edge" : "level", vb->q.num,
            vb->dev.max_segs);
}

void virtio_blk_phys_probe(const void *dtb)
{
    virtio_phys_scan(dtb, VIRTIO_ID_BLOCK, "virtio-blk", "block device",
                     vblk_probe_one);
}
