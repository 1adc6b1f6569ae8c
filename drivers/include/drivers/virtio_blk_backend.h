/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk for a guest (virtio 1.2, 5.2), backed by a region of one of
 * the host's disks (drivers/blkdev.h). The guest sees a disk of the
 * region's size; its sector 0 is the region's first sector, and nothing
 * outside the region is reachable: every request is checked against the
 * region's size before it is translated. Data moves by DMA straight
 * between the physical disk and the guest's buffers (guest RAM is host
 * RAM, identity mapped), so the guest's chains are only read once, when
 * the request is parsed.
 *
 * Offered: VERSION_1, SEG_MAX (the disk's segments per request),
 * SIZE_MAX when the disk limits segments, FLUSH when the disk has a
 * write cache (a guest FLUSH completes only after the disk's flush did),
 * INDIRECT_DESC. Requests: IN, OUT, FLUSH, GET_ID; others get UNSUPP.
 * A request beyond the region, of a length that is not whole sectors or
 * with more segments than offered gets IOERR; a chain without a 16-byte
 * header or a status byte, or whose buffers are in the wrong direction,
 * is malformed (DEVICE_NEEDS_RESET).
 *
 * Completions arrive on the CPU that takes the disk's interrupt; they take
 * dev.lock, so they never race the guest's notifies. Requests in flight
 * when the device is reset complete without touching the (new) rings, and
 * a VM reset waits for them (virtio_dev_ops.busy), so no DMA lands in the
 * RAM of the VM's next boot.
 */
#pragma once

#include <drivers/blkdev.h>
#include <drivers/virtio_dev.h>

#define VBLK_SLOTS 32

struct virtio_blk_backend;

struct vblk_slot {
    struct blk_req req;
    struct virtio_blk_backend *owner;
    uint32_t generation; /* the device's, when it was taken */
    uint16_t head;
    volatile uint8_t *status; /* the guest's status byte */
    uint32_t written;         /* used length to report */
    bool busy;                /* holds a request (submitted or not) */
    bool submitted;           /* the disk has it */
};

struct virtio_blk_backend {
    struct virtio_dev dev; /* first: the transport hands back &dev */
    struct blkdev *disk;
    uint64_t start;   /* first sector of the region on the disk */
    uint64_t sectors; /* region size */
    uint32_t generation;
    unsigned int inflight; /* slots the disk has */
    char id[20];           /* GET_ID answer */
    struct virtq_chain chain;
    struct vblk_slot slots[VBLK_SLOTS];
};

/**
 * Claims sectors [start, start + sectors) of disk for VM vm_name: 0, or
 * -HV_ERANGE when it does not fit the disk, -HV_EBUSY when it overlaps a
 * region another VM claimed (the message says which). Boot CPU only.
 */
int virtio_blk_claim(struct blkdev *disk, uint64_t start, uint64_t sectors,
                     const char *vm_name);

/** Initialises b as a device of vm raising SPI spi, serving the region. */
void virtio_blk_backend_init(struct virtio_blk_backend *b, struct vm *vm,
                             unsigned int spi, const struct virtq_mem *mem,
                             struct blkdev *disk, uint64_t start,
                             uint64_t sectors);
