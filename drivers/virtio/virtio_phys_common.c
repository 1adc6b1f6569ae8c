/* SPDX-License-Identifier: MIT */
/*
 * The parts of Shoji's drivers for real virtio-mmio devices that do not
 * depend on the device type: see drivers/virtio_phys.h for the contract,
 * the DMA rules and the barriers.
 */
#include <drivers/virtio_mmio.h>
#include <drivers/virtio_phys.h>
#include <drivers/virtq.h> /* VIRTQ_USED_F_NO_NOTIFY */
#include <hv/errno.h>
#include <hv/irq.h>
#include <hv/page_alloc.h>
#include <hv/printk.h>
#include <hv/timer.h>
#include <stdarg.h>
#include <stdio.h>

#define VIRTIO_PHYS_RESET_TIMEOUT_NS (100UL * 1000 * 1000)
#define VIRTIO_PHYS_CONFIG_TRIES 8 /* reads of a config space that changes */
#define VIRTIO_PHYS_MAX_TRANSPORTS 64

/* Set once a scan has reported the transports no driver takes. */
static bool virtio_phys_scanned;

uint32_t virtio_phys_rd(const struct virtio_phys *t, uint32_t off)
{
    return *(volatile uint32_t *)(t->regs + off);
}

void virtio_phys_wr(const struct virtio_phys *t, uint32_t off, uint32_t v)
{
    *(volatile uint32_t *)(t->regs + off) = v;
}

uint8_t virtio_phys_cfg_rd8(const struct virtio_phys *t, uint32_t off)
{
    return *(volatile uint8_t *)(t->regs + VIRTIO_MMIO_CONFIG + off);
}

void virtio_phys_add_status(struct virtio_phys *t, uint32_t bits)
{
    t->status_bits |= bits;
    virtio_phys_wr(t, VIRTIO_MMIO_STATUS, t->status_bits);
}

bool virtio_phys_reset(struct virtio_phys *t)
{
    uint64_t deadline = timer_now_ns() + VIRTIO_PHYS_RESET_TIMEOUT_NS;

    t->status_bits = 0;
    virtio_phys_wr(t, VIRTIO_MMIO_STATUS, 0);
    while (virtio_phys_rd(t, VIRTIO_MMIO_STATUS) != 0) {
        if (timer_now_ns() > deadline) {
            return false;
        }
    }
    return true;
}

void virtio_phys_log_err(const struct virtio_phys *t, const char *fmt, ...)
{
    char msg[128];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    pr_err("%s at 0x%lx: %s; device not used", t->kind, (unsigned long)t->base,
           msg);
}

static uint64_t virtio_phys_read_features(const struct virtio_phys *t)
{
    uint64_t f;

    virtio_phys_wr(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    f = (uint64_t)virtio_phys_rd(t, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
    virtio_phys_wr(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    return f | virtio_phys_rd(t, VIRTIO_MMIO_DEVICE_FEATURES);
}

static void virtio_phys_write_features(const struct virtio_phys *t, uint64_t f)
{
    virtio_phys_wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    virtio_phys_wr(t, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
    virtio_phys_wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    virtio_phys_wr(t, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
}

int virtio_phys_begin(struct virtio_phys *t, uint64_t wanted,
                      uint64_t *accepted)
{
    uint64_t offered;

    if (!virtio_phys_reset(t)) {
        virtio_phys_log_err(t, "reset did not complete within 100 ms");
        return -HV_EIO;
    }
    virtio_phys_add_status(t, VIRTIO_STATUS_ACKNOWLEDGE);
    virtio_phys_add_status(t, VIRTIO_STATUS_DRIVER);
    offered = virtio_phys_read_features(t);
    if (!(offered & VIRTIO_PHYS_FEATURE(VIRTIO_F_VERSION_1))) {
        virtio_phys_log_err(t,
                            "device does not offer VIRTIO_F_VERSION_1 "
                            "(features 0x%lx)",
                            (unsigned long)offered);
        return -HV_ENOTSUP;
    }
    *accepted = offered & (wanted | VIRTIO_PHYS_FEATURE(VIRTIO_F_VERSION_1));
    virtio_phys_write_features(t, *accepted);
    virtio_phys_add_status(t, VIRTIO_STATUS_FEATURES_OK);
    if (!(virtio_phys_rd(t, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK)) {
        virtio_phys_log_err(t,
                            "device refused features 0x%lx (FEATURES_OK not "
                            "kept)",
                            (unsigned long)*accepted);
        return -HV_ENOTSUP;
    }
    return 0;
}

/* Lays out and zeroes q's rings and extra memory for q->num entries. */
static int virtio_phys_vq_alloc(struct virtio_phys_vq *q, size_t extra)
{
    size_t avail_off = sizeof(struct vring_desc) * q->num;
    /* flags, idx, ring[num], used_event */
    size_t extra_off = ALIGN_UP(avail_off + 6 + 2UL * q->num, 16);
    size_t used_off = ALIGN_UP(extra_off + extra * q->num, PAGE_SIZE);
    size_t used_size = 6 + sizeof(struct vring_used_elem) * q->num;
    char *mem;

    q->mem_pages = ALIGN_UP(used_off + used_size, PAGE_SIZE) / PAGE_SIZE;
    mem = page_alloc_zeroed(q->mem_pages, PAGE_SIZE);
    if (mem == NULL) {
        return -HV_ENOMEM;
    }
    q->mem = mem;
    q->desc = (struct vring_desc *)mem;
    q->avail = (struct vring_avail *)(mem + avail_off);
    q->extra = mem + extra_off;
    q->used = (struct vring_used *)(mem + used_off);
    return 0;
}

static void virtio_phys_wr_addr(const struct virtio_phys *t, uint32_t low,
                                const void *p)
{
    uint64_t pa = pa_addr(ptr_to_pa(p));

    virtio_phys_wr(t, low, (uint32_t)pa);
    virtio_phys_wr(t, low + 4, (uint32_t)(pa >> 32));
}

int virtio_phys_vq_setup(struct virtio_phys *t, struct virtio_phys_vq *q,
                         uint16_t index, uint16_t want, uint16_t min,
                         size_t extra_per_entry)
{
    uint32_t max;

    q->index = index;
    virtio_phys_wr(t, VIRTIO_MMIO_QUEUE_SEL, index);
    if (virtio_phys_rd(t, VIRTIO_MMIO_QUEUE_READY) != 0) {
        virtio_phys_log_err(t, "queue %u is already in use after a reset",
                            index);
        return -HV_EIO;
    }
    max = virtio_phys_rd(t, VIRTIO_MMIO_QUEUE_NUM_MAX);
    q->num = want;
    while (q->num > max && q->num >= min) {
        q->num >>= 1; /* a power of two no larger than QueueNumMax */
    }
    if (q->num < min) {
        virtio_phys_log_err(t, "queue %u too small (QueueNumMax %u, need %u)",
                            index, max, min);
        return -HV_ENOTSUP;
    }
    if (virtio_phys_vq_alloc(q, extra_per_entry) != 0) {
        virtio_phys_log_err(t, "no memory for the rings");
        return -HV_ENOMEM;
    }
    virtio_phys_wr(t, VIRTIO_MMIO_QUEUE_NUM, q->num);
    virtio_phys_wr_addr(t, VIRTIO_MMIO_QUEUE_DESC_LOW, q->desc);
    virtio_phys_wr_addr(t, VIRTIO_MMIO_QUEUE_DRIVER_LOW, q->avail);
    virtio_phys_wr_addr(t, VIRTIO_MMIO_QUEUE_DEVICE_LOW, q->used);
    /* The zeroed rings must be visible before the device may use them. */
    virtio_phys_mb();
    virtio_phys_wr(t, VIRTIO_MMIO_QUEUE_READY, 1);
    return 0;
}

int virtio_phys_go(struct virtio_phys *t,
                   void (*fn)(unsigned int intid, void *ctx), void *ctx)
{
    int rc = irq_register(
        t->irq, t->irq_edge ? IRQ_TRIGGER_EDGE : IRQ_TRIGGER_LEVEL, fn, ctx);

    if (rc != 0) {
        virtio_phys_log_err(t, "cannot take interrupt %u (%s)", t->irq,
                            hv_strerror(rc));
        return rc;
    }
    t->irq_on = true;
    virtio_phys_add_status(t, VIRTIO_STATUS_DRIVER_OK);
    if (virtio_phys_rd(t, VIRTIO_MMIO_STATUS) &
        VIRTIO_STATUS_DEVICE_NEEDS_RESET) {
        virtio_phys_log_err(t, "device needs a reset right after DRIVER_OK");
        return -HV_EIO;
    }
    return 0;
}

void virtio_phys_give_up(struct virtio_phys *t, struct virtio_phys_vq *qs,
                         unsigned int nr_qs)
{
    bool stopped;
    unsigned int i;

    if (t->irq_on) {
        irq_unregister(t->irq);
        t->irq_on = false;
    }
    stopped = virtio_phys_reset(t);
    virtio_phys_add_status(t, VIRTIO_STATUS_FAILED);
    for (i = 0; i < nr_qs && stopped; i++) {
        if (qs[i].mem != NULL) {
            page_pool_free(&hv_pages, pa_addr(ptr_to_pa(qs[i].mem)),
                           qs[i].mem_pages);
            qs[i].mem = NULL;
        }
    }
}

void virtio_phys_break(struct virtio_phys *t, const char *name, const char *why)
{
    pr_err("%s: %s; device reset and no longer used", name, why);
    if (!virtio_phys_reset(t)) {
        pr_err("%s: reset did not complete; its memory stays reserved", name);
    }
}

int virtio_phys_read_config(struct virtio_phys *t,
                            void (*read)(const struct virtio_phys *t,
                                         void *ctx),
                            void *ctx)
{
    unsigned int tries;

    for (tries = 0; tries < VIRTIO_PHYS_CONFIG_TRIES; tries++) {
        uint32_t gen = virtio_phys_rd(t, VIRTIO_MMIO_CONFIG_GENERATION);

        read(t, ctx);
        if (gen == virtio_phys_rd(t, VIRTIO_MMIO_CONFIG_GENERATION)) {
            return 0;
        }
    }
    virtio_phys_log_err(t, "configuration space keeps changing");
    return -HV_EIO;
}

uint32_t virtio_phys_irq_ack(const struct virtio_phys *t)
{
    uint32_t isr = virtio_phys_rd(t, VIRTIO_MMIO_INTERRUPT_STATUS);

    if (isr != 0) {
        virtio_phys_wr(t, VIRTIO_MMIO_INTERRUPT_ACK,
                       isr & (VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG));
    }
    virtio_phys_dma_rmb();
    return isr;
}

bool virtio_phys_needs_reset(const struct virtio_phys *t, uint32_t isr)
{
    return (isr & VIRTIO_MMIO_INT_CONFIG) &&
           (virtio_phys_rd(t, VIRTIO_MMIO_STATUS) &
            VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

void virtio_phys_vq_set_desc(struct virtio_phys_vq *q, uint16_t i,
                             const void *buf, uint32_t len, uint16_t flags,
                             uint16_t next)
{
    struct vring_desc *d = &q->desc[i];

    d->addr = pa_addr(ptr_to_pa(buf));
    d->len = len;
    d->flags = flags;
    d->next = next;
}

void virtio_phys_vq_push(struct virtio_phys_vq *q, uint16_t head)
{
    q->avail->ring[q->avail_idx & (q->num - 1)] = head;
    q->avail_idx++;
}

void virtio_phys_vq_kick(const struct virtio_phys *t, struct virtio_phys_vq *q)
{
    virtio_phys_dma_wmb(); /* chains and their ring slots before the index */
    __atomic_store_n(&q->avail->idx, q->avail_idx, __ATOMIC_RELAXED);
    virtio_phys_mb(); /* index out before reading used->flags, doorbell */
    if (!(__atomic_load_n(&q->used->flags, __ATOMIC_RELAXED) &
          VIRTQ_USED_F_NO_NOTIFY)) {
        virtio_phys_wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, q->index);
    }
}

uint16_t virtio_phys_vq_used_count(const struct virtio_phys_vq *q)
{
    uint16_t used_idx = __atomic_load_n(&q->used->idx, __ATOMIC_RELAXED);

    virtio_phys_dma_rmb(); /* the entries and buffers after the index */
    return (uint16_t)(used_idx - q->last_used);
}

struct vring_used_elem virtio_phys_vq_take(struct virtio_phys_vq *q)
{
    const struct vring_used_elem *e =
        &q->used->ring[q->last_used & (q->num - 1)];
    struct vring_used_elem v;

    v.id = __atomic_load_n(&e->id, __ATOMIC_RELAXED);
    v.len = __atomic_load_n(&e->len, __ATOMIC_RELAXED);
    q->last_used++;
    return v;
}

/* Whether some driver in this build takes devices of type id. */
static bool virtio_phys_driven(uint32_t id)
{
    return (id == VIRTIO_ID_BLOCK && IS_ENABLED(CONFIG_VIRTIO_BLK_PHYS)) ||
           (id == VIRTIO_ID_NET && IS_ENABLED(CONFIG_VIRTIO_NET_PHYS));
}

/* Whether the transport at hd holds a device of type device_id that a
 * driver can use; says why not when it cannot. `report` is false when an
 * earlier scan already reported what is not about device_id. */
static bool virtio_phys_usable(const struct host_dev *hd,
                               volatile uint8_t *regs, uint32_t device_id,
                               const char *what, bool report)
{
    uint32_t magic = *(volatile uint32_t *)(regs + VIRTIO_MMIO_MAGIC_VALUE);
    uint32_t version;
    uint32_t id;

    if (magic != VIRTIO_MMIO_MAGIC) {
        if (report) {
            pr_warn("virtio-mmio at 0x%lx: bad magic 0x%x; skipped",
                    (unsigned long)hd->base, magic);
        }
        return false;
    }
    version = *(volatile uint32_t *)(regs + VIRTIO_MMIO_VERSION);
    id = *(volatile uint32_t *)(regs + VIRTIO_MMIO_DEVICE_ID);
    if (id == 0) {
        return false; /* an empty slot */
    }
    if (id != device_id) {
        if (report && !virtio_phys_driven(id)) {
            pr_info("virtio-mmio at 0x%lx: device type %u, which Shoji does "
                    "not drive; skipped",
                    (unsigned long)hd->base, id);
        }
        return false;
    }
    if (version != 2) {
        pr_err("virtio-mmio at 0x%lx: %s with transport version %u%s; only "
               "version 2 (virtio 1.x) is supported: start QEMU with -global "
               "virtio-mmio.force-legacy=false; skipped",
               (unsigned long)hd->base, what, version,
               version == 1 ? " (legacy)" : "");
        return false;
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
        return false;
    }
    return true;
}

void virtio_phys_scan(const void *dtb, uint32_t device_id, const char *kind,
                      const char *what,
                      void (*probe)(const struct virtio_phys *t))
{
    static struct host_dev devs[VIRTIO_PHYS_MAX_TRANSPORTS];
    bool report = !virtio_phys_scanned;
    unsigned int n;
    unsigned int i;

    virtio_phys_scanned = true;
    n = host_dt_find_devices(dtb, "virtio,mmio", devs, ARRAY_SIZE(devs));
    for (i = 0; i < n; i++) {
        volatile uint8_t *regs = (volatile uint8_t *)(uintptr_t)devs[i].base;

        if (devs[i].size < VIRTIO_MMIO_REGION_SIZE) {
            if (report) {
                pr_warn("virtio-mmio at 0x%lx: region of %lu bytes is too "
                        "small; skipped",
                        (unsigned long)devs[i].base,
                        (unsigned long)devs[i].size);
            }
            continue;
        }
        if (virtio_phys_usable(&devs[i], regs, device_id, what, report)) {
            struct virtio_phys t = {
                .kind = kind,
                .base = devs[i].base,
                .regs = regs,
                .irq = devs[i].irq,
                .irq_edge = devs[i].irq_edge,
            };

            probe(&t);
        }
    }
}
