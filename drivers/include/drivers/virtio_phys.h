/* SPDX-License-Identifier: MIT */
/*
 * What Shoji's drivers for the host's real virtio devices share
 * (drivers/virtio/virtio_phys_common.c): a virtio-mmio version 2 transport
 * (virtio 1.2, 4.2), initialisation up to FEATURES_OK, driver-side split
 * virtqueues in host RAM (virtio 1.2, 2.7), the interrupt acknowledgement,
 * the failure path and the scan of the host device tree's transports.
 * The drivers are drivers/block/virtio_blk_phys.c and
 * drivers/net/virtio_net_phys.c.
 *
 * DMA: Shoji is identity mapped, so a buffer's hypervisor address is its
 * physical address (ptr_to_pa). The devices are cache coherent (QEMU's
 * virtio-mmio devices are, and say so in the device tree), so no cache
 * maintenance is done, but the barriers are those a real device needs:
 *  - dma_wmb (dmb oshst) between writing descriptors, buffers and avail
 *    ring slots and writing avail->idx, which publishes them;
 *  - mb (dsb sy) after avail->idx, so that the device sees the index
 *    before this CPU reads used->flags (a store then a load), and every
 *    ring write has completed before the QueueNotify doorbell write;
 *  - dma_rmb (dmb oshld) after reading InterruptStatus or used->idx and
 *    before reading the used entries and the buffers they cover.
 *
 * Locking: none here; each driver serialises the calls for one device
 * (its rings and its transport registers) with its own lock.
 */
#pragma once

#include <hv/host_dt.h>
#include <hv/types.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "virtio 1.x structures are little-endian, as Shoji is");

#define VIRTIO_PHYS_FEATURE(bit) (1ULL << (bit))

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

_Static_assert(sizeof(struct vring_desc) == 16, "descriptor layout");

/* One virtio-mmio transport driven by Shoji. */
struct virtio_phys {
    const char *kind; /* "virtio-blk", ...: for messages */
    uint64_t base;
    volatile uint8_t *regs;
    unsigned int irq;
    bool irq_edge;
    bool irq_on;          /* irq_register done and not undone */
    uint32_t status_bits; /* device status written so far */
};

/* One driver-side split virtqueue: rings and driver memory in one
 * page-aligned allocation (descriptors, avail ring, `extra`, then the used
 * ring on its own page). */
struct virtio_phys_vq {
    uint16_t index;     /* queue number on the transport */
    uint16_t num;       /* ring size, a power of two */
    uint16_t avail_idx; /* our copy of avail->idx, pushes included */
    uint16_t last_used; /* used entries consumed */
    struct vring_desc *desc;
    struct vring_avail *avail;
    struct vring_used *used;
    void *extra; /* num * extra_per_entry bytes, 16-byte aligned, zeroed */
    void *mem;
    size_t mem_pages;
};

static inline void virtio_phys_dma_wmb(void)
{
    __asm__ volatile("dmb oshst" ::: "memory");
}

static inline void virtio_phys_dma_rmb(void)
{
    __asm__ volatile("dmb oshld" ::: "memory");
}

static inline void virtio_phys_mb(void)
{
    __asm__ volatile("dsb sy" ::: "memory");
}

/** Reads transport register off (32-bit accesses only, virtio 1.2,
 * 4.2.2.2). */
uint32_t virtio_phys_rd(const struct virtio_phys *t, uint32_t off);

/** Writes transport register off. */
void virtio_phys_wr(const struct virtio_phys *t, uint32_t off, uint32_t v);

/** Reads byte off of the device configuration space (8-bit fields must be
 * read 8 bits at a time, virtio 1.2, 4.2.2.2). */
uint8_t virtio_phys_cfg_rd8(const struct virtio_phys *t, uint32_t off);

/** Adds bits to the device status. */
void virtio_phys_add_status(struct virtio_phys *t, uint32_t bits);

/**
 * Resets the device and waits (at most 100 ms) until it says it is done:
 * only then has it stopped using the rings. True when it did.
 */
bool virtio_phys_reset(struct virtio_phys *t);

/** Logs "<kind> at 0x<base>: <message>; device not used" as an error. */
void virtio_phys_log_err(const struct virtio_phys *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/**
 * Initialisation up to FEATURES_OK (virtio 1.2, 3.1.1 steps 1-6): reset,
 * ACKNOWLEDGE, DRIVER, then accepts the offered features among `wanted`
 * (VERSION_1 is required) into *accepted. 0, or an error, logged.
 */
int virtio_phys_begin(struct virtio_phys *t, uint64_t wanted,
                      uint64_t *accepted);

/**
 * Sets up queue `index` (virtio 1.2, 4.2.3.2) with the largest power of
 * two no larger than `want` and the device's QueueNumMax (at least
 * `min`), with extra_per_entry bytes of zeroed driver memory per entry,
 * and enables it. 0, or an error, logged.
 */
int virtio_phys_vq_setup(struct virtio_phys *t, struct virtio_phys_vq *q,
                         uint16_t index, uint16_t want, uint16_t min,
                         size_t extra_per_entry);

/**
 * Installs fn(intid, ctx) as the interrupt handler and sets DRIVER_OK
 * (virtio 1.2, 3.1.1 step 8). 0, or an error, logged.
 */
int virtio_phys_go(struct virtio_phys *t,
                   void (*fn)(unsigned int intid, void *ctx), void *ctx);

/**
 * After a failed initialisation: disables the interrupt, stops the device,
 * tells it the driver gave up (FAILED) and frees the queues' memory unless
 * the device may still use it.
 */
void virtio_phys_give_up(struct virtio_phys *t, struct virtio_phys_vq *qs,
                         unsigned int nr_qs);

/**
 * Device failure: logs "<name>: <why>; device reset and no longer used"
 * and resets the device (logging it if the reset does not complete, when
 * the rings' memory must stay reserved). The caller stops using it and,
 * outside its lock, unregisters the interrupt.
 */
void virtio_phys_break(struct virtio_phys *t, const char *name,
                       const char *why);

/**
 * Reads the configuration space consistently: calls read(t, ctx) until
 * ConfigGeneration is the same before and after (at most 8 tries). 0, or
 * -HV_EIO, logged, when it keeps changing.
 */
int virtio_phys_read_config(struct virtio_phys *t,
                            void (*read)(const struct virtio_phys *t,
                                         void *ctx),
                            void *ctx);

/**
 * Interrupt entry: reads InterruptStatus, acknowledges what it says, then
 * a read barrier; returns the bits. Acknowledging before reaping means a
 * completion posted afterwards raises a new interrupt (an edge), and the
 * reap sees every completion posted before.
 */
uint32_t virtio_phys_irq_ack(const struct virtio_phys *t);

/** Whether the interrupt bits isr report DEVICE_NEEDS_RESET. */
bool virtio_phys_needs_reset(const struct virtio_phys *t, uint32_t isr);

/** Writes descriptor i of q. */
void virtio_phys_vq_set_desc(struct virtio_phys_vq *q, uint16_t i,
                             const void *buf, uint32_t len, uint16_t flags,
                             uint16_t next);

/** Puts chain head into the next avail slot (not yet published). */
void virtio_phys_vq_push(struct virtio_phys_vq *q, uint16_t head);

/** Publishes the pushed heads (avail->idx) and notifies the device unless
 * it asked not to be. */
void virtio_phys_vq_kick(const struct virtio_phys *t, struct virtio_phys_vq *q);

/** Used entries posted and not yet taken (read barrier included). */
uint16_t virtio_phys_vq_used_count(const struct virtio_phys_vq *q);

/** Takes the next used entry; only after virtio_phys_vq_used_count said
 * there is one. */
struct vring_used_elem virtio_phys_vq_take(struct virtio_phys_vq *q);

/**
 * Scans the host device tree's virtio-mmio transports for devices of type
 * device_id and calls probe(t) on each usable one (version 2, with an
 * interrupt), t filled in (kind, base, registers, interrupt) for the
 * driver to copy. `what` names the device in messages ("block device").
 * Transports with a type no Shoji driver takes are reported by the first
 * scan only. Boot CPU.
 */
void virtio_phys_scan(const void *dtb, uint32_t device_id, const char *kind,
                      const char *what,
                      void (*probe)(const struct virtio_phys *t));
