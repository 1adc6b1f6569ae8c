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
 * DMA: Shoji is identity mapped, so a buffer's hypervisor address is its
 * physical address (ptr_to_pa). The device is cache coherent (QEMU's
 * virtio-mmio devices are, and say so in the device tree), so no cache
 * maintenance is done, but the barriers are those a real device needs:
 *  - dma_wmb (dmb oshst) between writing the descriptors, header and avail
 *    ring slot and writing avail->idx, which publishes them;
 *  - mb (dsb sy) after avail->idx, so that the device sees the index
 *    before this CPU reads used->flags (a store then a load), and every
 *    ring write has completed before the QueueNotify doorbell write;
 *  - dma_rmb (dmb oshld) after reading InterruptStatus or used->idx and
 *    before reading the used entries and status bytes they cover.
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
 * CPU; the interrupt handler runs on CPU 0 with interrupts masked. done
 * callbacks are made after the lock is dropped, so they may submit again.
 */
#include <drivers/blkdev.h>
#include <drivers/virtio_mmio.h>
#include <drivers/virtq.h> /* VIRTQ_DESC_F_*, VIRTQ_USED_F_NO_NOTIFY */
#include <hv/errno.h>
#include <hv/host_dt.h>
#include <hv/irq.h>
#include <hv/page_alloc.h>
#include <hv/printk.h>
#include <hv/spinlock.h>
#include <hv/timer.h>
#include <stdarg.h>
#include <stdio.h>

#define VBLK_QUEUE_SIZE 128 /* ring entries asked for, at most */
#define VBLK_MIN_QUEUE 4    /* header + at least 2 segments + status */
#define VBLK_RESET_TIMEOUT_NS (100UL * 1000 * 1000)
#define VBLK_CONFIG_TRIES 8 /* reads of a config space that keeps changing */
#define VBLK_MAX_TRANSPORTS 64
#define VBLK_STATUS_UNSET 0xff /* not a status the device writes */

/* Device configuration space (virtio 1.2, 5.2.4), offsets from 0x100. */
#define VBLK_CFG_CAPACITY 0x00 /* le64, 512-byte sectors */
#define VBLK_CFG_SIZE_MAX 0x08 /* le32 */
#define VBLK_CFG_SEG_MAX 0x0c  /* le32 */

#define VBLK_FEATURE(bit) (1ULL << (bit))

/* The features Shoji accepts when offered; VERSION_1 is also required. */
#define VBLK_FEATURES_WANTED                                                   \
    (VBLK_FEATURE(VIRTIO_F_VERSION_1) | VBLK_FEATURE(VIRTIO_BLK_F_FLUSH) |     \
     VBLK_FEATURE(VIRTIO_BLK_F_SEG_MAX) |                                      \
     VBLK_FEATURE(VIRTIO_BLK_F_SIZE_MAX) | VBLK_FEATURE(VIRTIO_BLK_F_RO))

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "virtio 1.x structures are little-endian, as Shoji is");

/* Split virtqueue layout (virtio 1.2, 2.7). */
struct vring_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct vring_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[];
};

struct vring_used_elem {
    uint32_t id;
    uint32_t len;
};

struct vring_used {
    uint16_t flags;
    uint16_t idx;
    struct vring_used_elem ring[];
};

/* virtio-blk request header (virtio 1.2, 5.2.6). */
struct vblk_hdr {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

_Static_assert(sizeof(struct vring_desc) == 16, "descriptor layout");
_Static_assert(sizeof(struct vblk_hdr) == 16, "request header layout");

struct vblk {
    struct blkdev dev;
    uint64_t base;
    volatile uint8_t *regs;
    unsigned int irq;
    bool irq_edge;
    bool irq_on;
    uint32_t status_bits; /* device status written so far */
    struct spinlock lock;

    /* DMA memory, one allocation: descriptors, avail ring, headers and
     * status bytes, then the used ring on its own page. */
    void *mem;
    size_t mem_pages;
    struct vring_desc *desc;
    struct vring_avail *avail;
    struct vring_used *used;
    struct vblk_hdr *hdrs;      /* by head descriptor */
    volatile uint8_t *statuses; /* by head descriptor */

    /* Ring state, under lock. */
    uint16_t num;       /* ring size, a power of two */
    uint16_t avail_idx; /* our copy of avail->idx */
    uint16_t last_used; /* used entries consumed */
    uint16_t free_head;
    uint16_t nr_free;
    bool broken;
    bool fault_next; /* blkdev_inject_fault(): next header short */
    uint16_t next[VBLK_QUEUE_SIZE];          /* free list and chain links */
    struct blk_req *reqs[VBLK_QUEUE_SIZE];   /* in flight, by head */
    unsigned int chain_len[VBLK_QUEUE_SIZE]; /* descriptors, by head */
};

static inline void vblk_dma_wmb(void)
{
    __asm__ volatile("dmb oshst" ::: "memory");
}

static inline void vblk_dma_rmb(void)
{
    __asm__ volatile("dmb oshld" ::: "memory");
}

static inline void vblk_mb(void)
{
    __asm__ volatile("dsb sy" ::: "memory");
}

/* Transport registers: 32-bit accesses only (virtio 1.2, 4.2.2.2). */
static uint32_t vblk_rd(const struct vblk *vb, uint32_t off)
{
    return *(volatile uint32_t *)(vb->regs + off);
}

static void vblk_wr(const struct vblk *vb, uint32_t off, uint32_t v)
{
    *(volatile uint32_t *)(vb->regs + off) = v;
}

static void vblk_add_status(struct vblk *vb, uint32_t bits)
{
    vb->status_bits |= bits;
    vblk_wr(vb, VIRTIO_MMIO_STATUS, vb->status_bits);
}

/* Resets the device and waits (bounded) until it says it is done: only
 * then has it stopped using the rings. */
static bool vblk_reset(struct vblk *vb)
{
    uint64_t deadline = timer_now_ns() + VBLK_RESET_TIMEOUT_NS;

    vb->status_bits = 0;
    vblk_wr(vb, VIRTIO_MMIO_STATUS, 0);
    while (vblk_rd(vb, VIRTIO_MMIO_STATUS) != 0) {
        if (timer_now_ns() > deadline) {
            return false;
        }
    }
    return true;
}

static void vblk_log_err(const struct vblk *vb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void vblk_log_err(const struct vblk *vb, const char *fmt, ...)
{
    char msg[128];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    pr_err("virtio-blk at 0x%lx: %s; device not used", (unsigned long)vb->base,
           msg);
}

static uint64_t vblk_read_features(const struct vblk *vb)
{
    uint64_t f;

    vblk_wr(vb, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    f = (uint64_t)vblk_rd(vb, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
    vblk_wr(vb, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    return f | vblk_rd(vb, VIRTIO_MMIO_DEVICE_FEATURES);
}

static void vblk_write_features(const struct vblk *vb, uint64_t f)
{
    vblk_wr(vb, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    vblk_wr(vb, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
    vblk_wr(vb, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    vblk_wr(vb, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
}

/* Negotiates features (virtio 1.2, 3.1.1 steps 4-6). */
static int vblk_negotiate(struct vblk *vb, uint64_t *accepted)
{
    uint64_t offered = vblk_read_features(vb);

    if (!(offered & VBLK_FEATURE(VIRTIO_F_VERSION_1))) {
        vblk_log_err(vb,
                     "device does not offer VIRTIO_F_VERSION_1 "
                     "(features 0x%lx)",
                     (unsigned long)offered);
        return -HV_ENOTSUP;
    }
    *accepted = offered & VBLK_FEATURES_WANTED;
    vblk_write_features(vb, *accepted);
    vblk_add_status(vb, VIRTIO_STATUS_FEATURES_OK);
    if (!(vblk_rd(vb, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK)) {
        vblk_log_err(vb,
                     "device refused features 0x%lx (FEATURES_OK not "
                     "kept)",
                     (unsigned long)*accepted);
        return -HV_ENOTSUP;
    }
    return 0;
}

/* Lays out and zeroes the rings for vb->num entries. */
static int vblk_alloc_rings(struct vblk *vb)
{
    size_t avail_off = sizeof(struct vring_desc) * vb->num;
    /* flags, idx, ring[num], used_event */
    size_t hdr_off = ALIGN_UP(avail_off + 6 + 2UL * vb->num, 16);
    size_t status_off = hdr_off + sizeof(struct vblk_hdr) * vb->num;
    size_t used_off = ALIGN_UP(status_off + vb->num, PAGE_SIZE);
    size_t used_size = 6 + sizeof(struct vring_used_elem) * vb->num;
    char *mem;

    vb->mem_pages = ALIGN_UP(used_off + used_size, PAGE_SIZE) / PAGE_SIZE;
    mem = page_alloc_zeroed(vb->mem_pages, PAGE_SIZE);
    if (mem == NULL) {
        return -HV_ENOMEM;
    }
    vb->mem = mem;
    vb->desc = (struct vring_desc *)mem;
    vb->avail = (struct vring_avail *)(mem + avail_off);
    vb->hdrs = (struct vblk_hdr *)(mem + hdr_off);
    vb->statuses = (volatile uint8_t *)(mem + status_off);
    vb->used = (struct vring_used *)(mem + used_off);
    return 0;
}

/* Sets up queue 0 (virtio 1.2, 4.2.3.2). */
static int vblk_setup_queue(struct vblk *vb)
{
    uint32_t max;
    unsigned int i;
    int rc;

    vblk_wr(vb, VIRTIO_MMIO_QUEUE_SEL, 0);
    if (vblk_rd(vb, VIRTIO_MMIO_QUEUE_READY) != 0) {
        vblk_log_err(vb, "queue 0 is already in use after a reset");
        return -HV_EIO;
    }
    max = vblk_rd(vb, VIRTIO_MMIO_QUEUE_NUM_MAX);
    vb->num = VBLK_QUEUE_SIZE;
    while (vb->num > max && vb->num >= VBLK_MIN_QUEUE) {
        vb->num >>= 1; /* a power of two no larger than QueueNumMax */
    }
    if (vb->num < VBLK_MIN_QUEUE) {
        vblk_log_err(vb, "queue 0 too small (QueueNumMax %u, need %u)", max,
                     VBLK_MIN_QUEUE);
        return -HV_ENOTSUP;
    }
    rc = vblk_alloc_rings(vb);
    if (rc != 0) {
        vblk_log_err(vb, "no memory for the rings");
        return rc;
    }
    for (i = 0; i < vb->num; i++) {
        vb->next[i] = (uint16_t)(i + 1);
    }
    vb->free_head = 0;
    vb->nr_free = vb->num;

    vblk_wr(vb, VIRTIO_MMIO_QUEUE_NUM, vb->num);
    vblk_wr(vb, VIRTIO_MMIO_QUEUE_DESC_LOW,
            (uint32_t)pa_addr(ptr_to_pa(vb->desc)));
    vblk_wr(vb, VIRTIO_MMIO_QUEUE_DESC_HIGH,
            (uint32_t)(pa_addr(ptr_to_pa(vb->desc)) >> 32));
    vblk_wr(vb, VIRTIO_MMIO_QUEUE_DRIVER_LOW,
            (uint32_t)pa_addr(ptr_to_pa(vb->avail)));
    vblk_wr(vb, VIRTIO_MMIO_QUEUE_DRIVER_HIGH,
            (uint32_t)(pa_addr(ptr_to_pa(vb->avail)) >> 32));
    vblk_wr(vb, VIRTIO_MMIO_QUEUE_DEVICE_LOW,
            (uint32_t)pa_addr(ptr_to_pa(vb->used)));
    vblk_wr(vb, VIRTIO_MMIO_QUEUE_DEVICE_HIGH,
            (uint32_t)(pa_addr(ptr_to_pa(vb->used)) >> 32));
    /* The zeroed rings must be visible before the device may use them. */
    vblk_mb();
    vblk_wr(vb, VIRTIO_MMIO_QUEUE_READY, 1);
    return 0;
}

/* Reads capacity and limits, retrying while ConfigGeneration changes. */
static int vblk_read_config(struct vblk *vb, uint64_t features)
{
    unsigned int tries;

    for (tries = 0; tries < VBLK_CONFIG_TRIES; tries++) {
        uint32_t gen = vblk_rd(vb, VIRTIO_MMIO_CONFIG_GENERATION);
        uint64_t lo = vblk_rd(vb, VIRTIO_MMIO_CONFIG + VBLK_CFG_CAPACITY);
        uint64_t hi = vblk_rd(vb, VIRTIO_MMIO_CONFIG + VBLK_CFG_CAPACITY + 4);
        uint32_t seg_max = vblk_rd(vb, VIRTIO_MMIO_CONFIG + VBLK_CFG_SEG_MAX);
        uint32_t size_max = vblk_rd(vb, VIRTIO_MMIO_CONFIG + VBLK_CFG_SIZE_MAX);

        if (gen != vblk_rd(vb, VIRTIO_MMIO_CONFIG_GENERATION)) {
            continue;
        }
        vb->dev.sectors = hi << 32 | lo;
        /* Header and status take two descriptors of the ring. */
        vb->dev.max_segs = MIN(BLK_MAX_SEGS, vb->num - 2U);
        if (features & VBLK_FEATURE(VIRTIO_BLK_F_SEG_MAX)) {
            vb->dev.max_segs = MIN(vb->dev.max_segs, MAX(seg_max, 1U));
        }
        if (features & VBLK_FEATURE(VIRTIO_BLK_F_SIZE_MAX)) {
            vb->dev.max_seg_len = MAX(size_max, (uint32_t)BLK_SECTOR_SIZE);
        }
        return 0;
    }
    vblk_log_err(vb, "configuration space keeps changing");
    return -HV_EIO;
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

    if (!vblk_reset(vb)) {
        vblk_log_err(vb, "reset did not complete within 100 ms");
        return -HV_EIO;
    }
    vblk_add_status(vb, VIRTIO_STATUS_ACKNOWLEDGE);
    vblk_add_status(vb, VIRTIO_STATUS_DRIVER);
    rc = vblk_negotiate(vb, &features);
    if (rc == 0) {
        rc = vblk_setup_queue(vb);
    }
    if (rc == 0) {
        rc = vblk_read_config(vb, features);
    }
    if (rc != 0) {
        return rc;
    }
    vb->dev.flush = (features & VBLK_FEATURE(VIRTIO_BLK_F_FLUSH)) != 0;
    vb->dev.read_only = (features & VBLK_FEATURE(VIRTIO_BLK_F_RO)) != 0;
    vb->dev.ops = &vblk_ops;
    vb->dev.priv = vb;

    rc = irq_register(vb->irq,
                      vb->irq_edge ? IRQ_TRIGGER_EDGE : IRQ_TRIGGER_LEVEL,
                      vblk_irq, vb);
    if (rc != 0) {
        vblk_log_err(vb, "cannot take interrupt %u (%s)", vb->irq,
                     hv_strerror(rc));
        return rc;
    }
    vb->irq_on = true;
    vblk_add_status(vb, VIRTIO_STATUS_DRIVER_OK);
    if (vblk_rd(vb, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) {
        vblk_log_err(vb, "device needs a reset right after DRIVER_OK");
        return -HV_EIO;
    }
    return 0;
}

/* After a failed initialisation: stop the device, tell it we gave up and
 * free the rings, unless the device may still be using them. */
static void vblk_give_up(struct vblk *vb)
{
    bool stopped;

    if (vb->irq_on) {
        irq_unregister(vb->irq);
        vb->irq_on = false;
    }
    stopped = vblk_reset(vb);
    vblk_add_status(vb, VIRTIO_STATUS_FAILED);
    if (vb->mem != NULL && stopped) {
        page_pool_free(&hv_pages, pa_addr(ptr_to_pa(vb->mem)), vb->mem_pages);
        vb->mem = NULL;
    }
}

static void vblk_set_desc(struct vblk *vb, uint16_t i, const void *buf,
                          uint32_t len, uint16_t flags)
{
    struct vring_desc *d = &vb->desc[i];

    d->addr = pa_addr(ptr_to_pa(buf));
    d->len = len;
    d->flags = flags;
    d->next = vb->next[i];
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

static int vblk_submit(struct blkdev *dev, struct blk_req *r)
{
    struct vblk *vb = dev->priv;
    unsigned int nd = r->nr_segs + 2;
    uint16_t data_flags = VIRTQ_DESC_F_NEXT;
    struct vblk_hdr *hdr;
    uint16_t head;
    uint16_t i;
    unsigned int k;

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

    /* The chain is the first nd entries of the free list, in order. */
    i = head;
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
    vb->free_head = vb->next[i];
    vb->nr_free = (uint16_t)(vb->nr_free - nd);
    vb->reqs[head] = r;
    vb->chain_len[head] = nd;
    r->drv_head = head;

    vb->avail->ring[vb->avail_idx & (vb->num - 1)] = head;
    vblk_dma_wmb(); /* the chain and its ring slot before the index */
    vb->avail_idx++;
    __atomic_store_n(&vb->avail->idx, vb->avail_idx, __ATOMIC_RELAXED);
    vblk_mb(); /* index out before reading used->flags and the doorbell */
    if (!(__atomic_load_n(&vb->used->flags, __ATOMIC_RELAXED) &
          VIRTQ_USED_F_NO_NOTIFY)) {
        vblk_wr(vb, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    }

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

    pr_err("%s: %s; device reset and no longer used", vb->dev.name, why);
    vb->broken = true;
    if (!vblk_reset(vb)) {
        pr_err("%s: reset did not complete; its memory stays reserved",
               vb->dev.name);
    }
    for (i = 0; i < vb->num; i++) {
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
    uint16_t used_idx = __atomic_load_n(&vb->used->idx, __ATOMIC_RELAXED);

    vblk_dma_rmb(); /* the entries and status bytes after the index */
    /* One used entry per request: never more new ones than in flight. */
    if ((uint16_t)(used_idx - vb->last_used) > vb->dev.stats.inflight) {
        vblk_break(vb, "used index ran ahead of the requests in flight", done);
        return;
    }
    while (vb->last_used != used_idx) {
        const struct vring_used_elem *e =
            &vb->used->ring[vb->last_used & (vb->num - 1)];
        uint32_t id = __atomic_load_n(&e->id, __ATOMIC_RELAXED);

        vb->last_used++;
        if (id >= vb->num || vb->reqs[id] == NULL) {
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
        uint32_t isr = vblk_rd(vb, VIRTIO_MMIO_INTERRUPT_STATUS);

        /* Acknowledge before reaping: the line drops, so a completion
         * posted after this raises a new interrupt (an edge), and the
         * reap below sees every completion posted before it. */
        if (isr != 0) {
            vblk_wr(vb, VIRTIO_MMIO_INTERRUPT_ACK,
                    isr & (VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG));
        }
        vblk_dma_rmb();
        if ((isr & VIRTIO_MMIO_INT_CONFIG) &&
            (vblk_rd(vb, VIRTIO_MMIO_STATUS) &
             VIRTIO_STATUS_DEVICE_NEEDS_RESET)) {
            vblk_break(vb, "device reports DEVICE_NEEDS_RESET", &done);
        } else {
            vblk_reap(vb, &done);
        }
    }
    if (vb->broken && vb->irq_on) {
        vb->irq_on = false;
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

/* Probes one virtio-mmio transport; registers it if it is a usable disk. */
static void vblk_probe_one(const struct host_dev *hd)
{
    volatile uint8_t *regs = (volatile uint8_t *)(uintptr_t)hd->base;
    uint32_t magic = *(volatile uint32_t *)(regs + VIRTIO_MMIO_MAGIC_VALUE);
    uint32_t version;
    uint32_t id;
    struct vblk *vb;

    if (magic != VIRTIO_MMIO_MAGIC) {
        pr_warn("virtio-mmio at 0x%lx: bad magic 0x%x; skipped",
                (unsigned long)hd->base, magic);
        return;
    }
    version = *(volatile uint32_t *)(regs + VIRTIO_MMIO_VERSION);
    id = *(volatile uint32_t *)(regs + VIRTIO_MMIO_DEVICE_ID);
    if (id == 0) {
        return; /* an empty slot */
    }
    if (id != VIRTIO_ID_BLOCK) {
        pr_info("virtio-mmio at 0x%lx: device type %u, which Shoji does not "
                "drive; skipped",
                (unsigned long)hd->base, id);
        return;
    }
    if (version != 2) {
        pr_err("virtio-mmio at 0x%lx: block device with transport version "
               "%u%s; only version 2 (virtio 1.x) is supported: start QEMU "
               "with -global virtio-mmio.force-legacy=false; skipped",
               (unsigned long)hd->base, version,
               version == 1 ? " (legacy)" : "");
        return;
    }
    if (!hd->dma_coherent) {
        pr_warn("virtio-mmio at 0x%lx: not marked dma-coherent; Shoji does "
                "no cache maintenance for DMA and assumes it is",
                (unsigned long)hd->base);
    }
    if (hd->irq == 0) {
        pr_err("virtio-mmio at 0x%lx: no usable interrupt (a GIC SPI, rising "
               "edge or level high) in the device tree; skipped",
               (unsigned long)hd->base);
        return;
    }
    vb = kzalloc(sizeof(*vb)); /* boot-time, never freed */
    if (vb == NULL) {
        pr_err("virtio-mmio at 0x%lx: out of memory; skipped",
               (unsigned long)hd->base);
        return;
    }
    vb->base = hd->base;
    vb->regs = regs;
    vb->irq = hd->irq;
    vb->irq_edge = hd->irq_edge;
    vb->lock = (struct spinlock)SPINLOCK_INIT;
    if (vblk_init(vb) != 0) {
        vblk_give_up(vb);
        return;
    }
    if (blkdev_register(&vb->dev) != 0) {
        pr_err("virtio-mmio at 0x%lx: more than %u disks; skipped",
               (unsigned long)hd->base, BLKDEV_MAX);
        vblk_give_up(vb);
        return;
    }
    pr_info("%s: %lu sectors, flush %s%s (virtio-blk at 0x%lx, interrupt %u "
            "%s, queue %u, %u segments per request)",
            vb->dev.name, (unsigned long)vb->dev.sectors,
            vb->dev.flush ? "yes" : "no",
            vb->dev.read_only ? ", read-only" : "", (unsigned long)vb->base,
            vb->irq, vb->irq_edge ? "edge" : "level", vb->num,
            vb->dev.max_segs);
}

void virtio_blk_phys_probe(const void *dtb)
{
    static struct host_dev devs[VBLK_MAX_TRANSPORTS];
    unsigned int n;
    unsigned int i;

    n = host_dt_find_devices(dtb, "virtio,mmio", devs, ARRAY_SIZE(devs));
    for (i = 0; i < n; i++) {
        if (devs[i].size < VIRTIO_MMIO_REGION_SIZE) {
            pr_warn("virtio-mmio at 0x%lx: region of %lu bytes is too small; "
                    "skipped",
                    (unsigned long)devs[i].base, (unsigned long)devs[i].size);
            continue;
        }
        vblk_probe_one(&devs[i]);
    }
}
