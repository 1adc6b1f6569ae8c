/* SPDX-License-Identifier: MIT */
/*
 * Block device registry and request validation, shared by the block
 * drivers; see drivers/blkdev.h. Everything a request can get wrong is
 * refused here, before a driver sees it, so drivers only deal with rings.
 *
 * Locking: devices are registered on the boot CPU before secondary CPUs
 * start, and never removed, so the table is read without a lock.
 */
#include <drivers/blkdev.h>
#include <hv/errno.h>
#include <hv/page_alloc.h>
#include <stdio.h>

static struct blkdev *blkdevs[BLKDEV_MAX];
static unsigned int nr_blkdevs;

unsigned int blkdev_count(void)
{
    return nr_blkdevs;
}

struct blkdev *blkdev_get(unsigned int i)
{
    return i < nr_blkdevs ? blkdevs[i] : NULL;
}

const char *blkdev_name(const struct blkdev *d)
{
    return d->name;
}

uint64_t blkdev_sectors(const struct blkdev *d)
{
    return d->sectors;
}

bool blkdev_flush_supported(const struct blkdev *d)
{
    return d->flush;
}

unsigned int blkdev_max_segs(const struct blkdev *d)
{
    return d->max_segs;
}

void blkdev_get_stats(const struct blkdev *d, struct blkdev_stats *out)
{
    *out = d->stats;
}

bool blkdev_inject_fault(struct blkdev *d)
{
    if (d->ops->inject_fault == NULL) {
        return false;
    }
    d->ops->inject_fault(d);
    return true;
}

int blkdev_register(struct blkdev *d)
{
    if (nr_blkdevs == BLKDEV_MAX) {
        return -HV_ENOSPC;
    }
    snprintf(d->name, sizeof(d->name), "blk%u", nr_blkdevs);
    blkdevs[nr_blkdevs++] = d;
    return 0;
}

/* Whether [p, p + len) lies in host RAM, which the device can reach at
 * the same address (identity map). */
static bool blk_buf_in_ram(const void *p, uint32_t len)
{
    uint64_t start = pa_addr(ptr_to_pa(p));
    uint64_t ram_end = hv_pages.base + hv_pages.nr_pages * PAGE_SIZE;

    return p != NULL && start >= hv_pages.base && start < ram_end &&
           len <= ram_end - start;
}

/* Checks a read or write: segments, buffers, length, capacity. */
static int blk_check_rw(const struct blkdev *d, const struct blk_req *r)
{
    uint64_t bytes = 0;
    uint64_t count;
    unsigned int i;

    if (r->nr_segs == 0 || r->nr_segs > d->max_segs) {
        return -HV_EINVAL;
    }
    for (i = 0; i < r->nr_segs; i++) {
        const struct blk_seg *s = &r->segs[i];

        if (s->len == 0 || (d->max_seg_len != 0 && s->len > d->max_seg_len) ||
            !blk_buf_in_ram(s->buf, s->len)) {
            return -HV_EINVAL;
        }
        bytes += s->len;
    }
    if (bytes % BLK_SECTOR_SIZE != 0) {
        return -HV_EINVAL;
    }
    count = bytes / BLK_SECTOR_SIZE;
    /* Written so that a huge sector number cannot wrap around. */
    if (r->sector >= d->sectors || count > d->sectors - r->sector) {
        return -HV_EINVAL;
    }
    if (r->type == BLK_REQ_WRITE && d->read_only) {
        return -HV_EPERM;
    }
    return 0;
}

int blkdev_submit(struct blkdev *d, struct blk_req *r)
{
    int rc;

    if (d == NULL || r == NULL || r->done == NULL) {
        return -HV_EINVAL;
    }
    switch (r->type) {
    case BLK_REQ_READ:
    case BLK_REQ_WRITE:
        rc = blk_check_rw(d, r);
        break;
    case BLK_REQ_FLUSH:
        if (r->nr_segs != 0) {
            rc = -HV_EINVAL;
        } else {
            rc = d->flush ? 0 : -HV_ENOTSUP;
        }
        break;
    default:
        rc = -HV_EINVAL;
        break;
    }
    return rc != 0 ? rc : d->ops->submit(d, r);
}
