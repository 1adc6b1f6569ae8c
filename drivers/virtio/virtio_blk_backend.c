/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk backend; see drivers/virtio_blk_backend.h.
 *
 * A request is a chain: a 16-byte header {le32 type, le32 reserved,
 * le64 sector} in device-readable bytes, then data (readable for OUT,
 * writable for IN), then one writable status byte, with no assumption on
 * how the driver split that into descriptors (virtio 1.x has no fixed
 * framing). The parser carves the chain's segments into header, data
 * pieces and status, then either answers at once (errors, GET_ID, a flush
 * on a disk without cache) or hands a blk_req whose segments point into
 * guest RAM to the disk. A slot holds the request until its completion.
 */
#include <drivers/virtio_blk_backend.h>
#include <drivers/virtio_mmio.h>
#include <hv/errno.h>
#include <hv/printk.h>
#include <hv/vm.h>
#include <string.h>

#define VBLK_HDR_SIZE 16
#define VBLK_ID_SIZE 20
#define VBLK_QUEUE_MAX 128
/* capacity le64, size_max le32, seg_max le32 (virtio 1.2, 5.2.4). */
#define VBLK_CONFIG_SIZE 16
#define VBLK_MAX_CLAIMS 16

static struct virtio_blk_backend *vblk_of(struct virtio_dev *d)
{
    return (struct virtio_blk_backend *)d;
}

/* Data segments offered to the guest: what the disk takes in one request,
 * and what leaves room for header and status in a chain the walker takes
 * (VIRTQ_MAX_SEGS). */
static unsigned int vblk_seg_max(const struct virtio_blk_backend *b)
{
    unsigned int n = blkdev_max_segs(b->disk);

    return n < VIRTQ_MAX_SEGS - 2 ? n : VIRTQ_MAX_SEGS - 2;
}

/* --- regions ---------------------------------------------------------- */

static struct {
    struct blkdev *disk;
    uint64_t start, sectors;
    const char *vm;
} claims[VBLK_MAX_CLAIMS];
static unsigned int nr_claims;

int virtio_blk_claim(struct blkdev *disk, uint64_t start, uint64_t sectors,
                     const char *vm_name)
{
    uint64_t size = blkdev_sectors(disk);
    unsigned int i;

    if (sectors == 0 || start > size || sectors > size - start) {
        pr_err("vm %s: virtio-blk region of %lu sectors at sector %lu "
               "does not fit %s (%lu sectors)",
               vm_name, (unsigned long)sectors, (unsigned long)start,
               blkdev_name(disk), (unsigned long)size);
        return -HV_ERANGE;
    }
    for (i = 0; i < nr_claims; i++) {
        if (claims[i].disk == disk &&
            start < claims[i].start + claims[i].sectors &&
            claims[i].start < start + sectors) {
            pr_err("vm %s: virtio-blk region overlaps vm %s's on %s", vm_name,
                   claims[i].vm, blkdev_name(disk));
            return -HV_EBUSY;
        }
    }
    if (nr_claims == VBLK_MAX_CLAIMS) {
        return -HV_ENOSPC;
    }
    claims[nr_claims].disk = disk;
    claims[nr_claims].start = start;
    claims[nr_claims].sectors = sectors;
    claims[nr_claims].vm = vm_name;
    nr_claims++;
    return 0;
}

/* --- configuration space ------------------------------------------------ */

static uint64_t vblk_config_read(struct virtio_dev *d, uint32_t off,
                                 unsigned int size)
{
    struct virtio_blk_backend *b = vblk_of(d);
    uint8_t cfg[VBLK_CONFIG_SIZE];
    uint32_t size_max = b->disk->max_seg_len;
    uint32_t seg_max = vblk_seg_max(b);
    uint64_t val = 0;

    memcpy(cfg, &b->sectors, 8);
    memcpy(cfg + 8, &size_max, 4);
    memcpy(cfg + 12, &seg_max, 4);
    memcpy(&val, cfg + off, size);
    return val;
}

/* --- completing requests ------------------------------------------------- */

/* Writes the status, returns the chain and frees the slot. dev.lock held. */
static int vblk_finish(struct virtio_blk_backend *b, struct vblk_slot *s,
                       uint8_t status)
{
    int rc = 0;

    if (s->generation == b->generation) {
        *s->status = status;
        rc = virtq_push(&b->dev.queues[0].vq, &b->dev.mem, s->head, s->written);
        if (rc == 0) {
            virtio_dev_used(&b->dev, 0);
        }
    }
    s->busy = false;
    s->submitted = false;
    return rc;
}

static struct vblk_slot *vblk_free_slot(struct virtio_blk_backend *b)
{
    unsigned int i;

    for (i = 0; i < VBLK_SLOTS; i++) {
        if (!b->slots[i].busy) {
            return &b->slots[i];
        }
    }
    return NULL;
}

static int vblk_process(struct virtio_blk_backend *b);

static bool vblk_live(const struct virtio_blk_backend *b)
{
    return (b->dev.status & VIRTIO_STATUS_DRIVER_OK) != 0 &&
           (b->dev.status & VIRTIO_STATUS_DEVICE_NEEDS_RESET) == 0 &&
           b->dev.queues[0].ready;
}

/* The disk is done with s's request (disk interrupt, any CPU). */
static void vblk_done(struct blk_req *r, int status)
{
    struct vblk_slot *s = r->ctx;
    struct virtio_blk_backend *b = s->owner;
    bool idle;

    spin_lock(&b->dev.lock);
    b->inflight--;
    /* Then take what waited for a slot, if the device still runs. */
    if (vblk_finish(b, s, status == 0 ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR) !=
            0 ||
        (vblk_live(b) && vblk_process(b) != 0)) {
        virtio_dev_fail(&b->dev, b->dev.queues[0].vq.error != NULL
                                     ? b->dev.queues[0].vq.error
                                     : "malformed request");
    }
    idle = b->inflight == 0;
    spin_unlock(&b->dev.lock);
    virtio_dev_sync_irq(&b->dev);
    if (idle && b->dev.vm != NULL) {
        vm_reset_progress(b->dev.vm); /* a reset may wait for us */
    }
}

/* --- parsing and starting requests -------------------------------------- */

/* Where a chain's parts are: header bytes, data pieces, status byte. */
struct vblk_parse {
    uint8_t hdr[VBLK_HDR_SIZE];
    uint64_t data_bytes;
    bool data_readable;
};

/* Copies the header out of the first readable bytes, once. */
static void vblk_copy_header(const struct virtq_chain *c, uint8_t *hdr)
{
    unsigned int i;
    uint32_t got = 0;

    for (i = 0; i < c->nr_readable && got < VBLK_HDR_SIZE; i++) {
        const volatile uint8_t *p = c->segs[i].ptr;
        uint32_t n;

        for (n = 0; n < c->segs[i].len && got < VBLK_HDR_SIZE; n++) {
            hdr[got++] = p[n];
        }
    }
}

/*
 * Appends the bytes [from, to) of the chain's readable (or writable)
 * stream as segments of req. False when they need more segments than the
 * disk allows.
 */
static bool vblk_carve(const struct virtq_chain *c, bool writable,
                       uint64_t from, uint64_t to, struct blk_req *req,
                       unsigned int max_segs)
{
    unsigned int first = writable ? c->nr_readable : 0;
    unsigned int last = writable ? c->nr_segs : c->nr_readable;
    uint64_t pos = 0;
    unsigned int i;

    for (i = first; i < last && pos < to; i++) {
        uint64_t lo = pos > from ? pos : from;
        uint64_t hi = pos + c->segs[i].len < to ? pos + c->segs[i].len : to;

        if (hi > lo) {
            if (req->nr_segs == max_segs) {
                return false;
            }
            req->segs[req->nr_segs].buf =
                (uint8_t *)c->segs[i].ptr + (lo - pos);
            req->segs[req->nr_segs].len = (uint32_t)(hi - lo);
            req->nr_segs++;
        }
        pos += c->segs[i].len;
    }
    return true;
}

/* The last writable byte: the status. */
static volatile uint8_t *vblk_status_byte(const struct virtq_chain *c)
{
    const struct virtq_seg *s = &c->segs[c->nr_segs - 1];

    return (volatile uint8_t *)s->ptr + s->len - 1;
}

static void vblk_get_id(struct virtio_blk_backend *b,
                        const struct virtq_chain *c, struct vblk_slot *s)
{
    uint64_t room = c->writable_bytes - 1;
    uint64_t n = room < VBLK_ID_SIZE ? room : VBLK_ID_SIZE;
    struct blk_req tmp = {0};
    unsigned int i;
    uint64_t done = 0;

    vblk_carve(c, true, 0, n, &tmp, BLK_MAX_SEGS);
    for (i = 0; i < tmp.nr_segs; i++) {
        memcpy(tmp.segs[i].buf, b->id + done, tmp.segs[i].len);
        done += tmp.segs[i].len;
    }
    s->written = (uint32_t)(n + 1);
}

/*
 * Builds s's request from chain c and starts it, or answers it at once.
 * 0, or -HV_EINVAL for a malformed chain (the caller fails the device).
 */
static int vblk_start(struct virtio_blk_backend *b, struct vblk_slot *s,
                      const struct virtq_chain *c)
{
    struct blk_req *r = &s->req;
    uint32_t type;
    uint64_t sector, bytes, nsec;
    int rc;

    if (c->readable_bytes < VBLK_HDR_SIZE || c->writable_bytes < 1) {
        virtio_dev_fail(&b->dev, "request without a header or status byte");
        return -HV_EINVAL;
    }
    memset(r, 0, sizeof(*r));
    s->busy = true;
    s->submitted = false;
    s->generation = b->generation;
    s->head = c->head;
    s->status = vblk_status_byte(c);
    s->written = 1;
    {
        uint8_t hdr[VBLK_HDR_SIZE];

        vblk_copy_header(c, hdr);
        memcpy(&type, hdr, 4);
        memcpy(&sector, hdr + 8, 8);
    }
    switch (type) {
    case VIRTIO_BLK_T_IN:
        if (c->readable_bytes != VBLK_HDR_SIZE) {
            virtio_dev_fail(&b->dev, "read request with readable data");
            return -HV_EINVAL;
        }
        bytes = c->writable_bytes - 1;
        r->type = BLK_REQ_READ;
        break;
    case VIRTIO_BLK_T_OUT:
        if (c->writable_bytes != 1) {
            virtio_dev_fail(&b->dev, "write request with writable data");
            return -HV_EINVAL;
        }
        bytes = c->readable_bytes - VBLK_HDR_SIZE;
        r->type = BLK_REQ_WRITE;
        break;
    case VIRTIO_BLK_T_FLUSH:
        if (!blkdev_flush_supported(b->disk)) {
            return vblk_finish(b, s, VIRTIO_BLK_S_OK); /* no cache */
        }
        r->type = BLK_REQ_FLUSH;
        bytes = 0;
        break;
    case VIRTIO_BLK_T_GET_ID:
        vblk_get_id(b, c, s);
        return vblk_finish(b, s, VIRTIO_BLK_S_OK);
    default:
        return vblk_finish(b, s, VIRTIO_BLK_S_UNSUPP);
    }
    if (r->type != BLK_REQ_FLUSH) {
        nsec = bytes / VIRTIO_BLK_SECTOR_SIZE;
        /* Whole sectors, inside the region (no overflow: nsec is at most
         * VIRTQ_MAX_CHAIN_BYTES / 512). */
        if (bytes == 0 || bytes % VIRTIO_BLK_SECTOR_SIZE != 0 ||
            sector > b->sectors || nsec > b->sectors - sector ||
            !vblk_carve(c, r->type == BLK_REQ_READ,
                        r->type == BLK_REQ_READ ? 0 : VBLK_HDR_SIZE,
                        (r->type == BLK_REQ_READ ? 0 : VBLK_HDR_SIZE) + bytes,
                        r, blkdev_max_segs(b->disk))) {
            return vblk_finish(b, s, VIRTIO_BLK_S_IOERR);
        }
        r->sector = b->start + sector;
        if (r->type == BLK_REQ_READ) {
            s->written = (uint32_t)(bytes + 1);
        }
    }
    r->done = vblk_done;
    r->ctx = s;
    rc = blkdev_submit(b->disk, r);
    if (rc == -HV_EAGAIN) {
        return 0; /* stays busy, not submitted: vblk_process retries */
    }
    if (rc != 0) {
        return vblk_finish(
            b, s, rc == -HV_ENOTSUP ? VIRTIO_BLK_S_UNSUPP : VIRTIO_BLK_S_IOERR);
    }
    s->submitted = true;
    b->inflight++;
    return 0;
}

/* Retries requests the disk had no room for; false while one still has
 * none. dev.lock held. */
static bool vblk_retry(struct virtio_blk_backend *b)
{
    unsigned int i;

    for (i = 0; i < VBLK_SLOTS; i++) {
        struct vblk_slot *s = &b->slots[i];
        int rc;

        if (!s->busy || s->submitted) {
            continue;
        }
        rc = blkdev_submit(b->disk, &s->req);
        if (rc == -HV_EAGAIN) {
            return false;
        }
        if (rc != 0) {
            vblk_finish(b, s, VIRTIO_BLK_S_IOERR);
            continue;
        }
        s->submitted = true;
        b->inflight++;
    }
    return true;
}

/* Takes chains while slots and the disk have room. dev.lock held. */
static int vblk_process(struct virtio_blk_backend *b)
{
    struct vblk_slot *s;
    int rc;

    if (!vblk_retry(b)) {
        return 0;
    }
    while ((s = vblk_free_slot(b)) != NULL) {
        rc = virtq_pop(&b->dev.queues[0].vq, &b->dev.mem, &b->chain);
        if (rc <= 0) {
            return rc;
        }
        rc = vblk_start(b, s, &b->chain);
        if (rc != 0) {
            return rc;
        }
        if (s->busy && !s->submitted) {
            break; /* the disk is full: wait for a completion */
        }
    }
    return 0;
}

static int vblk_notify(struct virtio_dev *d, unsigned int q)
{
    (void)q;
    return vblk_process(vblk_of(d));
}

/* Requests still at the disk complete without touching the new rings;
 * those it never had are dropped. */
static void vblk_reset(struct virtio_dev *d)
{
    struct virtio_blk_backend *b = vblk_of(d);
    unsigned int i;

    b->generation++;
    for (i = 0; i < VBLK_SLOTS; i++) {
        if (b->slots[i].busy && !b->slots[i].submitted) {
            b->slots[i].busy = false;
        }
    }
}

static bool vblk_busy(struct virtio_dev *d)
{
    return __atomic_load_n(&vblk_of(d)->inflight, __ATOMIC_ACQUIRE) != 0;
}

static struct virtio_dev_ops vblk_ops_template = {
    .name = "virtio-blk",
    .device_id = VIRTIO_ID_BLOCK,
    .nr_queues = 1,
    .queue_max = VBLK_QUEUE_MAX,
    .config_size = VBLK_CONFIG_SIZE,
    .config_read = vblk_config_read,
    .notify = vblk_notify,
    .reset = vblk_reset,
    .busy = vblk_busy,
};

/* Feature sets differ by disk: one ops table per combination. */
static struct virtio_dev_ops vblk_ops[4];

void virtio_blk_backend_init(struct virtio_blk_backend *b, struct vm *vm,
                             unsigned int spi, const struct virtq_mem *mem,
                             struct blkdev *disk, uint64_t start,
                             uint64_t sectors)
{
    unsigned int k = (blkdev_flush_supported(disk) ? 1 : 0) |
                     (disk->max_seg_len != 0 ? 2 : 0);
    unsigned int i;

    if (vblk_ops[k].name == NULL) {
        vblk_ops[k] = vblk_ops_template;
        vblk_ops[k].features =
            1ULL << VIRTIO_BLK_F_SEG_MAX | 1ULL << VIRTIO_F_INDIRECT_DESC;
        if (k & 1) {
            vblk_ops[k].features |= 1ULL << VIRTIO_BLK_F_FLUSH;
        }
        if (k & 2) {
            vblk_ops[k].features |= 1ULL << VIRTIO_BLK_F_SIZE_MAX;
        }
    }
    memset(b, 0, sizeof(*b));
    b->disk = disk;
    b->start = start;
    b->sectors = sectors;
    for (i = 0; i < VBLK_SLOTS; i++) {
        b->slots[i].owner = b;
    }
    /* GET_ID: "shoji:" and the VM's name, NUL-padded. */
    memcpy(b->id, "shoji:", 6);
    if (vm != NULL) {
        size_t n = strlen(vm->name);

        memcpy(b->id + 6, vm->name,
               n < VBLK_ID_SIZE - 6 ? n : VBLK_ID_SIZE - 6);
    }
    virtio_dev_init(&b->dev, vm, &vblk_ops[k], b, spi, mem);
}
