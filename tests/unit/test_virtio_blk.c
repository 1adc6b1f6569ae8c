/* SPDX-License-Identifier: MIT */
/*
 * Tests of the guest-facing virtio-blk backend (drivers/virtio/
 * virtio_blk_backend.c) over the real transport, split-virtqueue code and
 * blkdev layer, with a fake disk whose requests the test completes by
 * hand: region bounds (sector translation, requests at and past the end,
 * lengths that are not whole sectors), a FLUSH answered only after the
 * disk's flush completed, GET_ID, unsupported types, back-pressure when
 * the disk is full, malformed chains (no header, data in the wrong
 * direction), requests in flight across a device reset, and the region
 * claims that keep VMs apart.
 */
#include "harness.h"
#include "harness/virtio_regs.h"

#include <drivers/virtio_blk_backend.h>
#include <drivers/virtio_mmio.h>
#include <fake/arch.h>
#include <hv/errno.h>
#include <hv/page_alloc.h>
#include <string.h>

#define RAM_GPA 0x40000000ULL
#define RAM_SIZE 0x40000
#define DESC_OFF 0x0000
#define AVAIL_OFF 0x1000
#define USED_OFF 0x2000
#define HDR_OFF 0x3000
#define STATUS_OFF 0x3100
#define DATA_OFF 0x4000
#define QNUM 16
#define REGION_START 1000
#define REGION_SECTORS 64

static _Alignas(4096) uint8_t ram[RAM_SIZE];

/* The backend tells a resetting VM when its I/O drained; no VM here. */
void vm_reset_progress(struct vm *vm)
{
    (void)vm;
}

/* The fake disk: requests wait in `queued` until the test completes them;
 * `full` makes submit answer -HV_EAGAIN. */
static struct blk_req *queued[64];
static unsigned int nr_queued;
static bool full;

static int fake_submit(struct blkdev *d, struct blk_req *r)
{
    if (full) {
        return -HV_EAGAIN;
    }
    queued[nr_queued++] = r;
    return 0;
}

static const struct blkdev_ops fake_ops = {.submit = fake_submit};
static struct blkdev disk = {
    .sectors = 4096,
    .flush = true,
    .max_segs = 4,
    .ops = &fake_ops,
};

static void *fake_translate(void *ctx, uint64_t gpa, uint64_t len)
{
    if (gpa < RAM_GPA || len > RAM_SIZE || gpa - RAM_GPA > RAM_SIZE - len) {
        return NULL;
    }
    return ram + (gpa - RAM_GPA);
}

static void complete(unsigned int i, int status)
{
    struct blk_req *r = queued[i];

    queued[i] = queued[--nr_queued];
    r->done(r, status);
}

static void driver_init(struct virtio_dev *d)
{
    const uint32_t feat = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                          VIRTIO_STATUS_FEATURES_OK;

    memset(ram, 0, sizeof(ram));
    wr(d, VIRTIO_MMIO_STATUS, 0);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES, 1);
    wr(d, VIRTIO_MMIO_STATUS, feat);
    wr(d, VIRTIO_MMIO_QUEUE_SEL, 0);
    wr(d, VIRTIO_MMIO_QUEUE_NUM, QNUM);
    wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)(RAM_GPA + DESC_OFF));
    wr(d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)(RAM_GPA + AVAIL_OFF));
    wr(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)(RAM_GPA + USED_OFF));
    wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
    wr(d, VIRTIO_MMIO_STATUS, feat | VIRTIO_STATUS_DRIVER_OK);
}

static int setup(void **state)
{
    static const struct virtq_mem mem = {fake_translate, NULL};
    struct virtio_blk_backend *b = calloc(1, sizeof(*b));

    if (b == NULL) {
        return -1;
    }
    /* blkdev_submit checks that buffers are host RAM: make ours so. */
    hv_pages.base = (uint64_t)(uintptr_t)ram;
    hv_pages.nr_pages = RAM_SIZE / PAGE_SIZE;
    nr_queued = 0;
    full = false;
    fake_arch_reset();
    virtio_blk_backend_init(b, NULL, 16, &mem, &disk, REGION_START,
                            REGION_SECTORS);
    driver_init(&b->dev);
    *state = b;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

static void put_desc(unsigned int i, uint64_t off, uint32_t len, uint16_t flags,
                     uint16_t next)
{
    uint64_t gpa = RAM_GPA + off;
    uint8_t *p = ram + DESC_OFF + 16 * i;

    memcpy(p, &gpa, 8);
    memcpy(p + 8, &len, 4);
    memcpy(p + 12, &flags, 2);
    memcpy(p + 14, &next, 2);
}

/* Queues a request: header at descriptor 3k, data (if len) at 3k + 1,
 * status last; returns the avail slot used. */
static void request(struct virtio_dev *d, unsigned int k, uint32_t type,
                    uint64_t sector, uint32_t len, bool data_writable)
{
    uint8_t *hdr = ram + HDR_OFF + 16 * k;
    uint16_t head = (uint16_t)(3 * k);
    uint16_t idx = (uint16_t)(k + 1);

    memset(hdr, 0, 16);
    memcpy(hdr, &type, 4);
    memcpy(hdr + 8, &sector, 8);
    ram[STATUS_OFF + k] = 0xff;
    if (len != 0) {
        put_desc(head, HDR_OFF + 16 * k, 16, VIRTQ_DESC_F_NEXT, head + 1);
        put_desc(head + 1, DATA_OFF + 0x1000 * k, len,
                 VIRTQ_DESC_F_NEXT | (data_writable ? VIRTQ_DESC_F_WRITE : 0),
                 head + 2);
    } else {
        put_desc(head, HDR_OFF + 16 * k, 16, VIRTQ_DESC_F_NEXT, head + 2);
    }
    put_desc(head + 2, STATUS_OFF + k, 1, VIRTQ_DESC_F_WRITE, 0);
    memcpy(ram + AVAIL_OFF + 4 + 2 * k, &head, 2);
    memcpy(ram + AVAIL_OFF + 2, &idx, 2);
    wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
}

static uint16_t used_idx(void)
{
    uint16_t v;

    memcpy(&v, ram + USED_OFF + 2, 2);
    return v;
}

static uint32_t used_len(unsigned int i)
{
    uint32_t v;

    memcpy(&v, ram + USED_OFF + 4 + 8 * i + 4, 4);
    return v;
}

static bool needs_reset(struct virtio_dev *d)
{
    return (rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) != 0;
}

static void test_config_space(void **state)
{
    struct virtio_blk_backend *b = *state;
    uint64_t val;

    assert_int_equal(rd(&b->dev, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
    assert_int_equal(
        virtio_dev_read(&b->dev, NULL, VIRTIO_MMIO_CONFIG, 4, &val), 0);
    assert_int_equal(val, REGION_SECTORS); /* capacity, low word */
    assert_int_equal(
        virtio_dev_read(&b->dev, NULL, VIRTIO_MMIO_CONFIG + 12, 4, &val), 0);
    assert_int_equal(val, 4); /* seg_max */
    wr(&b->dev, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    assert_true(rd(&b->dev, VIRTIO_MMIO_DEVICE_FEATURES) &
                (1U << VIRTIO_BLK_F_FLUSH));
    /* A disk taking BLK_MAX_SEGS segments: the guest is offered fewer, so
     * that its chains (header + data + status) stay within what the
     * walker accepts. */
    disk.max_segs = BLK_MAX_SEGS;
    assert_int_equal(
        virtio_dev_read(&b->dev, NULL, VIRTIO_MMIO_CONFIG + 12, 4, &val), 0);
    disk.max_segs = 4;
    assert_int_equal(val, BLK_MAX_SEGS < VIRTQ_MAX_SEGS - 2
                              ? BLK_MAX_SEGS
                              : VIRTQ_MAX_SEGS - 2);
}

/* Reads and writes land at REGION_START + sector, into the guest's own
 * buffer, and complete with the disk. */
static void test_read_write_translated(void **state)
{
    struct virtio_blk_backend *b = *state;

    request(&b->dev, 0, VIRTIO_BLK_T_IN, 5, 1024, true);
    assert_int_equal(nr_queued, 1);
    assert_int_equal(queued[0]->type, BLK_REQ_READ);
    assert_int_equal(queued[0]->sector, REGION_START + 5);
    assert_int_equal(queued[0]->nr_segs, 1);
    assert_ptr_equal(queued[0]->segs[0].buf, ram + DATA_OFF);
    assert_int_equal(queued[0]->segs[0].len, 1024);
    assert_int_equal(ram[STATUS_OFF], 0xff); /* not before the disk */
    complete(0, 0);
    assert_int_equal(ram[STATUS_OFF], VIRTIO_BLK_S_OK);
    assert_int_equal(used_idx(), 1);
    assert_int_equal(used_len(0), 1025);
    assert_true(fake_irq_line()->level);
    /* The last sectors of the region are fine. */
    request(&b->dev, 1, VIRTIO_BLK_T_OUT, REGION_SECTORS - 2, 1024, false);
    assert_int_equal(queued[0]->type, BLK_REQ_WRITE);
    assert_int_equal(queued[0]->sector, REGION_START + REGION_SECTORS - 2);
    complete(0, -HV_EIO);
    assert_int_equal(ram[STATUS_OFF + 1], VIRTIO_BLK_S_IOERR);
    assert_int_equal(used_len(1), 1);
}

/* Past the region, straddling its end, huge sector numbers, partial
 * sectors: IOERR without reaching the disk. */
static void test_region_bounds(void **state)
{
    struct virtio_blk_backend *b = *state;
    static const struct {
        uint64_t sector;
        uint32_t len;
    } cases[] = {
        {REGION_SECTORS, 512},
        {REGION_SECTORS - 1, 1024},
        {UINT64_MAX, 512},
        {UINT64_MAX - REGION_START + 1, 512}, /* wraps when translated */
        {0, 100},
    };
    unsigned int i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        request(&b->dev, i, VIRTIO_BLK_T_IN, cases[i].sector, cases[i].len,
                true);
        assert_int_equal(nr_queued, 0);
        assert_int_equal(ram[STATUS_OFF + i], VIRTIO_BLK_S_IOERR);
        assert_int_equal(used_idx(), i + 1);
    }
    assert_false(needs_reset(&b->dev));
}

static void test_flush_waits_for_disk(void **state)
{
    struct virtio_blk_backend *b = *state;

    request(&b->dev, 0, VIRTIO_BLK_T_FLUSH, 0, 0, false);
    assert_int_equal(nr_queued, 1);
    assert_int_equal(queued[0]->type, BLK_REQ_FLUSH);
    assert_int_equal(used_idx(), 0);
    assert_int_equal(ram[STATUS_OFF], 0xff);
    complete(0, 0);
    assert_int_equal(used_idx(), 1);
    assert_int_equal(ram[STATUS_OFF], VIRTIO_BLK_S_OK);
}

static void test_get_id_and_unsupported(void **state)
{
    struct virtio_blk_backend *b = *state;

    request(&b->dev, 0, VIRTIO_BLK_T_GET_ID, 0, 20, true);
    assert_int_equal(nr_queued, 0);
    assert_memory_equal(ram + DATA_OFF, "shoji:", 6);
    assert_int_equal(used_len(0), 21);
    request(&b->dev, 1, 11 /* DISCARD, not offered */, 0, 512, false);
    assert_int_equal(ram[STATUS_OFF + 1], VIRTIO_BLK_S_UNSUPP);
    assert_int_equal(nr_queued, 0);
}

/* A full disk: the request waits in its slot and goes out after the next
 * completion. */
static void test_back_pressure(void **state)
{
    struct virtio_blk_backend *b = *state;

    request(&b->dev, 0, VIRTIO_BLK_T_IN, 0, 512, true);
    full = true;
    request(&b->dev, 1, VIRTIO_BLK_T_IN, 1, 512, true);
    assert_int_equal(nr_queued, 1);
    full = false;
    complete(0, 0);
    assert_int_equal(nr_queued, 1);
    assert_int_equal(queued[0]->sector, REGION_START + 1);
    complete(0, 0);
    assert_int_equal(used_idx(), 2);
}

static void test_malformed(void **state)
{
    struct virtio_blk_backend *b = *state;

    /* A read whose data buffer is device-readable. */
    request(&b->dev, 0, VIRTIO_BLK_T_IN, 0, 512, false);
    assert_true(needs_reset(&b->dev));
    assert_int_equal(nr_queued, 0);
    driver_init(&b->dev);
    assert_false(needs_reset(&b->dev));
    /* A write whose data buffer is device-writable. */
    request(&b->dev, 0, VIRTIO_BLK_T_OUT, 0, 512, true);
    assert_true(needs_reset(&b->dev));
    driver_init(&b->dev);
    /* No status byte: one readable descriptor only. */
    put_desc(0, HDR_OFF, 16, 0, 0);
    memcpy(ram + AVAIL_OFF + 2, &(uint16_t){1}, 2);
    wr(&b->dev, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    assert_true(needs_reset(&b->dev));
    assert_int_equal(nr_queued, 0);
}

/* Reset with a request at the disk: its completion must not touch the
 * new rings, and the device stays busy (a VM reset waits) until then. */
static void test_reset_in_flight(void **state)
{
    struct virtio_blk_backend *b = *state;

    request(&b->dev, 0, VIRTIO_BLK_T_IN, 0, 512, true);
    assert_int_equal(nr_queued, 1);
    assert_true(b->dev.ops->busy(&b->dev));
    driver_init(&b->dev); /* resets and sets the queue up again */
    complete(0, 0);
    assert_int_equal(used_idx(), 0);
    assert_int_equal(ram[STATUS_OFF], 0);
    assert_false(b->dev.ops->busy(&b->dev));
}

static void test_claims(void **state)
{
    struct blkdev other = disk;

    assert_int_equal(virtio_blk_claim(&disk, 0, 100, "a"), 0);
    assert_int_equal(virtio_blk_claim(&disk, 100, 100, "b"), 0);
    assert_int_equal(virtio_blk_claim(&disk, 150, 10, "c"), -HV_EBUSY);
    assert_int_equal(virtio_blk_claim(&disk, 0, 1, "c"), -HV_EBUSY);
    assert_int_equal(virtio_blk_claim(&disk, 4000, 97, "c"), -HV_ERANGE);
    assert_int_equal(virtio_blk_claim(&disk, UINT64_MAX, 2, "c"), -HV_ERANGE);
    assert_int_equal(virtio_blk_claim(&disk, 200, 0, "c"), -HV_ERANGE);
    /* Another disk's sectors are separate. */
    assert_int_equal(virtio_blk_claim(&other, 0, 100, "c"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_config_space, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_write_translated, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_region_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flush_waits_for_disk, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_get_id_and_unsupported, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_back_pressure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_in_flight, setup, teardown),
        cmocka_unit_test(test_claims),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
