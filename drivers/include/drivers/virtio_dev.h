/* SPDX-License-Identifier: MIT */
/*
 * Guest-facing virtio-mmio transport (virtio 1.2, 4.2; register layout
 * version 2, VERSION_1 devices only). One struct virtio_dev is one device
 * in one VM's physical address space: the transport emulates the register
 * file, negotiates features, sets up the split virtqueues through
 * drivers/virtq.h and drives the device's level-triggered SPI; a device
 * type (console, block, net) supplies a struct virtio_dev_ops.
 *
 * A malformed queue or a protocol violation never touches memory outside
 * the guest: the device sets DEVICE_NEEDS_RESET, raises a configuration
 * change interrupt, logs the reason once, and ignores the queues until the
 * driver resets it (status 0). Other devices and VMs are not affected.
 *
 * Locking: d->lock serialises the register file, the queues and the
 * device type's hooks (they are called with it held). The interrupt line
 * is driven with it held too (lock order: d->lock, then the vGIC's).
 * A device type copies frames and data into or out of the buffers it
 * popped without d->lock (virtio_dev_copy_begin/_end): a copy of 64 KiB
 * takes tens of microseconds, and the guest's vCPU would otherwise spin
 * on every register access it makes meanwhile. While such a copy is in
 * flight, a reset or a queue being disabled waits, so the buffers stay
 * the device's and the rings keep their layout until it ends.
 */
#pragma once

#include <drivers/virtq.h>
#include <hv/spinlock.h>
#include <stdbool.h>
#include <stdint.h>

#define VIRTIO_DEV_MAX_QUEUES 2
#define VIRTIO_DEV_LOG_MAX 32 /* failures logged per device */

struct vcpu;
struct vm;
struct virtio_dev;

struct virtio_dev_ops {
    const char *name; /* "virtio-console", for messages */
    uint32_t device_id;
    uint64_t features; /* offered besides VIRTIO_F_VERSION_1 */
    unsigned int nr_queues;
    uint16_t queue_max;
    uint32_t config_size; /* bytes of device configuration space */
    /* Reads config space bytes [off, off + size); off + size is within
     * config_size. */
    uint64_t (*config_read)(struct virtio_dev *d, uint32_t off,
                            unsigned int size);
    /* The driver notified queue q (ready, device live). Returns 0, or
     * -HV_EINVAL when the queue turned out malformed (the transport then
     * needs a reset; q's error says why). */
    int (*notify)(struct virtio_dev *d, unsigned int q);
    /* Optional: the driver set DRIVER_OK (features are final). */
    void (*driver_ok)(struct virtio_dev *d);
    /* Device reset by the driver (or before first use). Optional. */
    void (*reset)(struct virtio_dev *d);
    /* Optional: called after notify, without d->lock, for work that must
     * not hold it (passing frames to other devices). */
    void (*after_notify)(struct virtio_dev *d, unsigned int q);
    /* Optional: is the host still working on requests that may write
     * guest RAM? A VM reset waits until no device is; the device calls
     * vm_reset_progress() when it becomes idle. Called without d->lock. */
    bool (*busy)(struct virtio_dev *d);
    /* Optional: prints the device's counters (when every VM stopped). */
    void (*report)(struct virtio_dev *d);
};

struct virtio_dev_queue {
    uint16_t num;
    bool ready;
    uint64_t desc_gpa, avail_gpa, used_gpa;
    struct virtq vq;
};

struct virtio_dev {
    struct spinlock lock;
    struct vm *vm;
    const struct virtio_dev_ops *ops;
    void *priv; /* the device type's state */
    unsigned int spi;
    uint32_t status;
    uint32_t dev_features_sel;
    uint32_t drv_features_sel;
    uint64_t drv_features;
    uint32_t queue_sel;
    uint32_t int_status;
    bool irq_level;
    bool reported;         /* this needs-reset was counted (and logged) */
    unsigned int failures; /* needs-resets since boot */
    unsigned int copying;  /* copies in flight without the lock */
    struct virtio_dev_queue queues[VIRTIO_DEV_MAX_QUEUES];
    struct virtq_mem mem;
};

/**
 * Initialises device d of vm, raising SPI spi (the VM's SPI number, not the
 * INTID). vm may be NULL in unit tests if translate is given in mem.
 */
void virtio_dev_init(struct virtio_dev *d, struct vm *vm,
                     const struct virtio_dev_ops *ops, void *priv,
                     unsigned int spi, const struct virtq_mem *mem);

/** Resets d as a driver writing status 0 would (e.g. on a VM reset). */
void virtio_dev_reset(struct virtio_dev *d);

/** MMIO callbacks (struct mmio_region), off within the 0x200 window. */
int virtio_dev_read(void *dev, struct vcpu *v, uint64_t off, unsigned int size,
                    uint64_t *val);
int virtio_dev_write(void *dev, struct vcpu *v, uint64_t off, unsigned int size,
                     uint64_t val);

/** Was feature bit `bit` negotiated? */
bool virtio_dev_has(const struct virtio_dev *d, unsigned int bit);

/**
 * For device types, with d->lock held: marks used buffers of queue q for
 * an interrupt if the driver wants one (the line is raised when the
 * current access or notify returns).
 */
void virtio_dev_used(struct virtio_dev *d, unsigned int q);

/**
 * For device types, with d->lock held: the device is unusable until reset
 * (DEVICE_NEEDS_RESET and a configuration change interrupt); reason is
 * logged once per reset.
 */
void virtio_dev_fail(struct virtio_dev *d, const char *reason);

/**
 * For device types, with d->lock held: releases it for a copy into or out
 * of buffers popped and not yet pushed. virtio_dev_copy_end takes it
 * again. Until then, a reset or a queue being disabled waits; the device
 * may still have failed meanwhile, so check that it is live before
 * pushing. The caller serialises its own use of the queue it popped from.
 */
void virtio_dev_copy_begin(struct virtio_dev *d);
void virtio_dev_copy_end(struct virtio_dev *d);

/** Drives the interrupt line to match int_status; call without the lock. */
void virtio_dev_sync_irq(struct virtio_dev *d);
