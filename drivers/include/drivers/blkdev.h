/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's own block devices (the host's disks, today virtio-blk
 * over virtio-mmio): asynchronous requests of 512-byte sectors, several in
 * flight per device, completed by a callback.
 *
 * Buffers: segment buffers are hypervisor pointers into host RAM (the
 * image, its stacks, or pages from the page allocator). Shoji runs
 * identity mapped (hv/types.h: a PA is also its EL2 address), so the
 * device reads and writes them directly by DMA at that address; a buffer
 * outside host RAM is refused. DMA is assumed cache coherent, as QEMU's
 * virtio-mmio devices are ("dma-coherent" in the host device tree).
 *
 * Ownership: from a successful blkdev_submit() until its done callback
 * starts, the request and its buffers belong to the driver; the caller
 * must not touch, reuse or free them. Once done has started they are the
 * caller's again (done may resubmit the same request).
 *
 * Completion context: done is called from the device's interrupt handler,
 * on the CPU the interrupt is routed to (virtio-blk: the CPU of the last
 * submission), at EL2 with interrupts
 * masked (EL2 never unmasks them), with no driver lock held. It must not
 * wait for another completion (nothing would deliver it) and should be
 * short. A device that fails (DEVICE_NEEDS_RESET, a malformed used ring)
 * completes everything in flight with -HV_EIO from the same context, and
 * refuses new requests with -HV_EIO.
 *
 * Locking: blkdev_submit may be called on any CPU, concurrently; each
 * driver serialises its ring with its own spinlock.
 */
#pragma once

#include <hv/types.h>

#define BLK_SECTOR_SIZE 512
#define BLK_MAX_SEGS 128 /* segments per request, at most */
#define BLKDEV_MAX 8     /* devices Shoji registers, at most */

/* Request types. */
#define BLK_REQ_READ 0
#define BLK_REQ_WRITE 1
#define BLK_REQ_FLUSH 2 /* no segments; writes cached data through */

struct blk_seg {
    void *buf; /* hypervisor pointer into host RAM: the DMA address */
    uint32_t len;
};

struct blk_req {
    uint32_t type;   /* BLK_REQ_* */
    uint64_t sector; /* first sector (reads, writes) */
    struct blk_seg segs[BLK_MAX_SEGS];
    unsigned int nr_segs; /* 1..blkdev_max_segs() for reads and writes,
                             0 for a flush; total bytes a multiple of
                             BLK_SECTOR_SIZE */
    /* status: 0, -HV_EIO (device error or device failed), -HV_ENOTSUP
     * (the device refused the request type). */
    void (*done)(struct blk_req *r, int status);
    void *ctx; /* the caller's */

    /* Private to the driver while the request is in flight. */
    struct blk_req *drv_next;
    int drv_status;
    uint16_t drv_head;
};

struct blkdev;

struct blkdev_ops {
    /* Queues a request blkdev_submit has validated: 0, -HV_EAGAIN,
     * -HV_EIO (device failed). */
    int (*submit)(struct blkdev *d, struct blk_req *r);
    /* Optional, for self-tests: the next request goes to the device
     * malformed, so that the device reports a failure. */
    void (*inject_fault)(struct blkdev *d);
};

struct blkdev_stats {
    uint64_t submitted;        /* requests queued */
    uint64_t completed;        /* done callbacks made, errors included */
    uint64_t errors;           /* of those, with a non-zero status */
    unsigned int inflight;     /* queued and not completed, now */
    unsigned int max_inflight; /* the most ever queued at once */
};

/* One device. Filled by its driver before blkdev_register(); read-only
 * afterwards except stats (written under the driver's lock). */
struct blkdev {
    char name[8]; /* "blk0", ...: set by blkdev_register */
    uint64_t sectors;
    bool flush;            /* BLK_REQ_FLUSH supported */
    bool read_only;        /* BLK_REQ_WRITE refused */
    unsigned int max_segs; /* 1..BLK_MAX_SEGS */
    uint32_t max_seg_len;  /* bytes per segment, 0 = no limit */
    const struct blkdev_ops *ops;
    void *priv; /* the driver's */
    struct blkdev_stats stats;
};

/** Number of registered block devices. */
unsigned int blkdev_count(void);

/** Device i (0-based, registration order), or NULL. */
struct blkdev *blkdev_get(unsigned int i);

/** The device's name, "blkN". */
const char *blkdev_name(const struct blkdev *d);

/** Capacity in 512-byte sectors. */
uint64_t blkdev_sectors(const struct blkdev *d);

/** Whether BLK_REQ_FLUSH is supported (the device has a write cache). */
bool blkdev_flush_supported(const struct blkdev *d);

/** Segments one request may have (at most BLK_MAX_SEGS). */
unsigned int blkdev_max_segs(const struct blkdev *d);

/**
 * Queues request r; r->done is called once when it completes (see the
 * completion context above), never from within this call. Any CPU, any
 * time after boot-time probing. Returns:
 *   0            queued;
 *   -HV_EAGAIN   the ring is full: retry after a completion;
 *   -HV_EINVAL   a bad request: unknown type, no done callback, no
 *                segments (read, write) or some (flush), too many
 *                segments, an empty, NULL or too long segment, a buffer
 *                outside host RAM, a length that is not a whole number
 *                of sectors, or sectors beyond the capacity;
 *   -HV_ENOTSUP  a flush on a device without flush support;
 *   -HV_EPERM    a write to a read-only device;
 *   -HV_EIO      the device has failed and is no longer used.
 */
int blkdev_submit(struct blkdev *d, struct blk_req *r);

/** A snapshot of the device's counters (not atomic as a whole). */
void blkdev_get_stats(const struct blkdev *d, struct blkdev_stats *out);

/**
 * Self-tests only: makes the next request queued on d reach the device
 * malformed (virtio-blk: a short header), so that the device reports
 * DEVICE_NEEDS_RESET and the driver's failure path runs: the request and
 * any other in flight complete with -HV_EIO and d is not used again.
 * False when d's driver has no such hook.
 */
bool blkdev_inject_fault(struct blkdev *d);

/* --- for drivers --------------------------------------------------------- */

/**
 * Adds a device the driver has fully set up (ops, capacity, limits);
 * names it. 0, or -HV_ENOSPC beyond BLKDEV_MAX devices. Boot CPU, during
 * probing, before secondary CPUs start.
 */
int blkdev_register(struct blkdev *d);

/**
 * Probes the host device tree's virtio-mmio transports and registers each
 * usable virtio-blk disk (drivers/block/virtio_blk_phys.c). Boot CPU,
 * after the page allocator is up; logs what it finds and what it skips.
 */
void virtio_blk_phys_probe(const void *dtb);
