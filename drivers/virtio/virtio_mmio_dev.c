/* SPDX-License-Identifier: MIT */
/*
 * Guest-facing virtio-mmio transport; see drivers/virtio_dev.h.
 *
 * The driver side is the guest and may be hostile: every register value it
 * writes is checked where it is used (queue sizes and ring addresses by
 * virtq_setup when the queue is made ready, feature bits against what was
 * offered when FEATURES_OK is set), registers are only accessed as aligned
 * 32-bit words (the config space also by byte and halfword), and anything
 * else is an external abort injected into the guest.
 */
#include <drivers/virtio_dev.h>
#include <drivers/virtio_mmio.h>
#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/printk.h>
#include <hv/vm.h>
#include <string.h>

/* "SHOJ": the vendor ID our devices report. */
#define VIRTIO_DEV_VENDOR 0x4a4f4853

static const char *vdev_vm_name(const struct virtio_dev *d)
{
    return d->vm != NULL ? d->vm->name : "test";
}

static uint64_t vdev_offered(const struct virtio_dev *d)
{
    return d->ops->features | (1ULL << VIRTIO_F_VERSION_1);
}

bool virtio_dev_has(const struct virtio_dev *d, unsigned int bit)
{
    return bit < 64 && (d->drv_features >> bit & 1) != 0;
}

static void vdev_reset(struct virtio_dev *d)
{
    unsigned int q;

    d->status = 0;
    d->dev_features_sel = 0;
    d->drv_features_sel = 0;
    d->drv_features = 0;
    d->queue_sel = 0;
    d->int_status = 0;
    d->reported = false;
    for (q = 0; q < VIRTIO_DEV_MAX_QUEUES; q++) {
        memset(&d->queues[q], 0, sizeof(d->queues[q]));
    }
    if (d->ops->reset != NULL) {
        d->ops->reset(d);
    }
}

void virtio_dev_init(struct virtio_dev *d, struct vm *vm,
                     const struct virtio_dev_ops *ops, void *priv,
                     unsigned int spi, const struct virtq_mem *mem)
{
    memset(d, 0, sizeof(*d));
    d->lock = (struct spinlock)SPINLOCK_INIT;
    d->vm = vm;
    d->ops = ops;
    d->priv = priv;
    d->spi = spi;
    d->mem = *mem;
    vdev_reset(d);
}

void virtio_dev_copy_begin(struct virtio_dev *d)
{
    d->copying++;
    spin_unlock(&d->lock);
}

void virtio_dev_copy_end(struct virtio_dev *d)
{
    spin_lock(&d->lock);
    d->copying--;
}

/* Takes d->lock once no copy is in flight, for changes that take buffers
 * or rings away from the device (reset, a queue disabled). A copy takes
 * tens of microseconds at most; the unlock that ends it wakes us. */
static void vdev_lock_settled(struct virtio_dev *d)
{
    spin_lock(&d->lock);
    while (d->copying != 0) {
        spin_unlock(&d->lock);
        cpu_wait_event();
        spin_lock(&d->lock);
    }
}

void virtio_dev_reset(struct virtio_dev *d)
{
    vdev_lock_settled(d);
    vdev_reset(d);
    spin_unlock(&d->lock);
    virtio_dev_sync_irq(d);
}

void virtio_dev_fail(struct virtio_dev *d, const char *reason)
{
    /* A guest failing its device in a loop must not flood the console:
     * the first VIRTIO_DEV_LOG_MAX failures are logged, then one line. */
    if (!d->reported) {
        d->reported = true;
        if (++d->failures <= VIRTIO_DEV_LOG_MAX) {
            pr_warn("vm %s: %s: %s; device needs reset", vdev_vm_name(d),
                    d->ops->name, reason);
        } else if (d->failures == VIRTIO_DEV_LOG_MAX + 1) {
            pr_warn("vm %s: %s: more failures; no longer logged",
                    vdev_vm_name(d), d->ops->name);
        }
    }
    if ((d->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET) == 0) {
        d->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
        d->int_status |= VIRTIO_MMIO_INT_CONFIG;
    }
}

void virtio_dev_used(struct virtio_dev *d, unsigned int q)
{
    if (virtq_should_notify(&d->queues[q].vq, &d->mem)) {
        d->int_status |= VIRTIO_MMIO_INT_VRING;
    }
}

void virtio_dev_sync_irq(struct virtio_dev *d)
{
    spin_lock(&d->lock);
    /* Under the lock, so that the last level driven is the current one
     * (lock order: d->lock, then the vGIC's). */
    if ((d->int_status != 0) != d->irq_level) {
        d->irq_level = d->int_status != 0;
        arch_vm_set_irq_line(d->vm, d->spi, d->irq_level);
    }
    spin_unlock(&d->lock);
}

static bool vdev_live(const struct virtio_dev *d)
{
    return (d->status & VIRTIO_STATUS_DRIVER_OK) != 0 &&
           (d->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET) == 0;
}

static struct virtio_dev_queue *vdev_queue(struct virtio_dev *d)
{
    return d->queue_sel < d->ops->nr_queues ? &d->queues[d->queue_sel] : NULL;
}

static uint32_t vdev_reg_read(struct virtio_dev *d, uint64_t off)
{
    struct virtio_dev_queue *q = vdev_queue(d);
    uint64_t feat = vdev_offered(d);

    switch (off) {
    case VIRTIO_MMIO_MAGIC_VALUE:
        return VIRTIO_MMIO_MAGIC;
    case VIRTIO_MMIO_VERSION:
        return 2;
    case VIRTIO_MMIO_DEVICE_ID:
        return d->ops->device_id;
    case VIRTIO_MMIO_VENDOR_ID:
        return VIRTIO_DEV_VENDOR;
    case VIRTIO_MMIO_DEVICE_FEATURES:
        return d->dev_features_sel == 0   ? (uint32_t)feat
               : d->dev_features_sel == 1 ? (uint32_t)(feat >> 32)
                                          : 0;
    case VIRTIO_MMIO_QUEUE_NUM_MAX:
        return q != NULL && !q->ready ? d->ops->queue_max : 0;
    case VIRTIO_MMIO_QUEUE_READY:
        return q != NULL && q->ready;
    case VIRTIO_MMIO_INTERRUPT_STATUS:
        return d->int_status;
    case VIRTIO_MMIO_STATUS:
        return d->status;
    case VIRTIO_MMIO_SHM_LEN_LOW:
    case VIRTIO_MMIO_SHM_LEN_HIGH:
    case VIRTIO_MMIO_SHM_BASE_LOW:
    case VIRTIO_MMIO_SHM_BASE_HIGH:
        return 0xffffffff; /* no shared memory regions */
    default:
        return 0; /* write-only or reserved: reads as zero */
    }
}

/* FEATURES_OK: the driver may only take what was offered, VERSION_1
 * included (no legacy interface). Otherwise the bit stays clear and the
 * driver, re-reading the status, gives up. */
static void vdev_set_status(struct virtio_dev *d, uint32_t val)
{
    if (val == 0) {
        vdev_reset(d);
        return;
    }
    if ((val & VIRTIO_STATUS_FEATURES_OK) != 0 &&
        (d->status & VIRTIO_STATUS_FEATURES_OK) == 0 &&
        ((d->drv_features & ~vdev_offered(d)) != 0 ||
         !virtio_dev_has(d, VIRTIO_F_VERSION_1))) {
        val &= ~(uint32_t)VIRTIO_STATUS_FEATURES_OK;
    }
    if ((val & VIRTIO_STATUS_DRIVER_OK) != 0 &&
        (d->status & VIRTIO_STATUS_DRIVER_OK) == 0 &&
        d->ops->driver_ok != NULL) {
        d->ops->driver_ok(d);
    }
    /* The device's own bit survives driver writes until reset. */
    d->status = val | (d->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

static void vdev_set_ready(struct virtio_dev *d, struct virtio_dev_queue *q,
                           uint32_t val)
{
    int rc;

    if (val == 0) {
        q->ready = false;
        return;
    }
    if (q->ready) {
        return;
    }
    rc = virtq_setup(&q->vq, &d->mem, q->num, q->desc_gpa, q->avail_gpa,
                     q->used_gpa, virtio_dev_has(d, VIRTIO_F_EVENT_IDX),
                     virtio_dev_has(d, VIRTIO_F_INDIRECT_DESC));
    if (rc != 0 || q->num > d->ops->queue_max) {
        virtio_dev_fail(d, q->num > d->ops->queue_max
                               ? "queue size above the maximum"
                               : q->vq.error);
        return;
    }
    q->ready = true;
}

/* Sets the low or high half of a 64-bit ring address. */
static void vdev_set_half(uint64_t *addr, bool high, uint32_t val)
{
    *addr = high ? (*addr & 0xffffffffULL) | (uint64_t)val << 32
                 : (*addr & ~0xffffffffULL) | val;
}

static void vdev_queue_write(struct virtio_dev *d, uint64_t off, uint32_t val)
{
    struct virtio_dev_queue *q = vdev_queue(d);

    /* Writes to a missing queue, or to a live queue's layout, are
     * ignored: the layout is checked once, when it is made ready. */
    if (q == NULL || (off != VIRTIO_MMIO_QUEUE_READY && q->ready)) {
        return;
    }
    switch (off) {
    case VIRTIO_MMIO_QUEUE_NUM:
        q->num = (uint16_t)(val <= 0xffff ? val : 0);
        break;
    case VIRTIO_MMIO_QUEUE_READY:
        vdev_set_ready(d, q, val);
        break;
    case VIRTIO_MMIO_QUEUE_DESC_LOW:
    case VIRTIO_MMIO_QUEUE_DESC_HIGH:
        vdev_set_half(&q->desc_gpa, off == VIRTIO_MMIO_QUEUE_DESC_HIGH, val);
        break;
    case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
    case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
        vdev_set_half(&q->avail_gpa, off == VIRTIO_MMIO_QUEUE_DRIVER_HIGH, val);
        break;
    default: /* VIRTIO_MMIO_QUEUE_DEVICE_LOW / _HIGH */
        vdev_set_half(&q->used_gpa, off == VIRTIO_MMIO_QUEUE_DEVICE_HIGH, val);
        break;
    }
}

static void vdev_notify(struct virtio_dev *d, uint32_t qi)
{
    if (qi >= d->ops->nr_queues || !vdev_live(d) || !d->queues[qi].ready) {
        return; /* spurious: nothing to do */
    }
    if (d->ops->notify(d, qi) != 0) {
        virtio_dev_fail(d, d->queues[qi].vq.error != NULL
                               ? d->queues[qi].vq.error
                               : "malformed request");
    }
}

static void vdev_reg_write(struct virtio_dev *d, uint64_t off, uint32_t val)
{
    switch (off) {
    case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
        d->dev_features_sel = val;
        break;
    case VIRTIO_MMIO_DRIVER_FEATURES:
        if ((d->status & VIRTIO_STATUS_FEATURES_OK) == 0 &&
            d->drv_features_sel < 2) {
            vdev_set_half(&d->drv_features, d->drv_features_sel == 1, val);
        }
        break;
    case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
        d->drv_features_sel = val;
        break;
    case VIRTIO_MMIO_QUEUE_SEL:
        d->queue_sel = val;
        break;
    case VIRTIO_MMIO_QUEUE_NUM:
    case VIRTIO_MMIO_QUEUE_READY:
    case VIRTIO_MMIO_QUEUE_DESC_LOW:
    case VIRTIO_MMIO_QUEUE_DESC_HIGH:
    case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
    case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
    case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
    case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
        vdev_queue_write(d, off, val);
        break;
    case VIRTIO_MMIO_QUEUE_NOTIFY:
        vdev_notify(d, val);
        break;
    case VIRTIO_MMIO_INTERRUPT_ACK:
        d->int_status &= ~val;
        break;
    case VIRTIO_MMIO_STATUS:
        vdev_set_status(d, val);
        break;
    default:
        break; /* read-only or reserved: ignored */
    }
}

int virtio_dev_read(void *dev, struct vcpu *v, uint64_t off, unsigned int size,
                    uint64_t *val)
{
    struct virtio_dev *d = dev;

    (void)v;
    if (off >= VIRTIO_MMIO_CONFIG) {
        uint64_t coff = off - VIRTIO_MMIO_CONFIG;

        if (size > 4 || (off & (size - 1)) != 0) {
            return -HV_EFAULT;
        }
        spin_lock(&d->lock);
        *val = coff + size <= d->ops->config_size
                   ? d->ops->config_read(d, (uint32_t)coff, size)
                   : 0;
        spin_unlock(&d->lock);
        return 0;
    }
    if (size != 4 || (off & 3) != 0) {
        return -HV_EFAULT;
    }
    spin_lock(&d->lock);
    *val = vdev_reg_read(d, off);
    spin_unlock(&d->lock);
    return 0;
}

int virtio_dev_write(void *dev, struct vcpu *v, uint64_t off, unsigned int size,
                     uint64_t val)
{
    struct virtio_dev *d = dev;

    (void)v;
    if (off >= VIRTIO_MMIO_CONFIG) {
        /* Our devices have no writable configuration fields. */
        return size <= 4 && (off & (size - 1)) == 0 ? 0 : -HV_EFAULT;
    }
    if (size != 4 || (off & 3) != 0) {
        return -HV_EFAULT;
    }
    if (off == VIRTIO_MMIO_STATUS || off == VIRTIO_MMIO_QUEUE_READY) {
        vdev_lock_settled(d);
    } else {
        spin_lock(&d->lock);
    }
    vdev_reg_write(d, off, (uint32_t)val);
    spin_unlock(&d->lock);
    virtio_dev_sync_irq(d);
    if (off == VIRTIO_MMIO_QUEUE_NOTIFY && d->ops->after_notify != NULL &&
        val < d->ops->nr_queues) {
        d->ops->after_notify(d, (unsigned int)val);
    }
    return 0;
}
