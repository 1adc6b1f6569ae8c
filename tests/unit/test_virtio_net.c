/* SPDX-License-Identifier: MIT */
/*
 * Tests of the guest-facing virtio-net backend (drivers/virtio/
 * virtio_net_backend.c) with the real transport, split-virtqueue code and
 * switch: two guests' devices on one switch, driven through their
 * register files on two fake guest RAMs. A frame one transmits reaches
 * the other's receive buffer behind a 12-byte header; spoofed source
 * addresses, runts and oversized frames are dropped; a guest without a
 * posted buffer (or with one too small) loses the frame, counted; a
 * transmit chain with a writable buffer or a receive buffer that is
 * readable makes the device need a reset; the MAC is in config space.
 */
#include "harness.h"
#include "harness/virtio_regs.h"

#include <drivers/virtio_mmio.h>
#include <drivers/virtio_net_backend.h>
#include <fake/arch.h>
#include <hv/errno.h>
#include <string.h>

#define RAM_GPA 0x40000000ULL
#define RAM_SIZE 0x20000
#define RX_DESC 0x0000
#define RX_AVAIL 0x1000
#define RX_USED 0x2000
#define TX_DESC 0x3000
#define TX_AVAIL 0x4000
#define TX_USED 0x5000
#define BUF_OFF 0x8000
#define QNUM 8

/* The uplink is not under test: the switch here has only guests. */
struct netdev *netdev_get(unsigned int i)
{
    (void)i;
    return NULL;
}

void netdev_set_rx(struct netdev *d, netdev_rx_fn rx, void *ctx)
{
    (void)d;
    (void)rx;
    (void)ctx;
}

int netdev_xmit(struct netdev *d, const void *frame, uint32_t len)
{
    (void)d;
    (void)frame;
    (void)len;
    return 0;
}

struct guest {
    _Alignas(4096) uint8_t ram[RAM_SIZE];
    struct virtio_net_backend n;
};

struct fixture {
    struct vswitch sw;
    struct guest g[2];
};

static const uint8_t mac_a[6] = {0x52, 0x54, 0, 0, 0, 0xa};
static const uint8_t mac_b[6] = {0x52, 0x54, 0, 0, 0, 0xb};

static void *translate(void *ctx, uint64_t gpa, uint64_t len)
{
    struct guest *g = ctx;

    if (gpa < RAM_GPA || len > RAM_SIZE || gpa - RAM_GPA > RAM_SIZE - len) {
        return NULL;
    }
    return g->ram + (gpa - RAM_GPA);
}

static void queue_init(struct virtio_dev *d, unsigned int q, uint32_t desc,
                       uint32_t avail, uint32_t used)
{
    wr(d, VIRTIO_MMIO_QUEUE_SEL, q);
    wr(d, VIRTIO_MMIO_QUEUE_NUM, QNUM);
    wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)RAM_GPA + desc);
    wr(d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)RAM_GPA + avail);
    wr(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)RAM_GPA + used);
    wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
}

static void driver_init(struct guest *g)
{
    struct virtio_dev *d = &g->n.dev;
    const uint32_t feat = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                          VIRTIO_STATUS_FEATURES_OK;

    memset(g->ram, 0, sizeof(g->ram));
    wr(d, VIRTIO_MMIO_STATUS, 0);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES, 1);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES, 1U << 5); /* MAC */
    wr(d, VIRTIO_MMIO_STATUS, feat);
    assert_true(rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
    queue_init(d, 0, RX_DESC, RX_AVAIL, RX_USED);
    queue_init(d, 1, TX_DESC, TX_AVAIL, TX_USED);
    wr(d, VIRTIO_MMIO_STATUS, feat | VIRTIO_STATUS_DRIVER_OK);
}

static int setup(void **state)
{
    size_t size = (sizeof(struct fixture) + 4095) & ~(size_t)4095;
    struct fixture *f = aligned_alloc(4096, size); /* the RAMs are aligned */
    unsigned int i;

    if (f == NULL) {
        return -1;
    }
    memset(f, 0, size);
    fake_arch_reset();
    vswitch_init(&f->sw);
    for (i = 0; i < 2; i++) {
        const struct virtq_mem mem = {translate, &f->g[i]};

        assert_int_equal(virtio_net_backend_init(&f->g[i].n, NULL, 16 + i, &mem,
                                                 i == 0 ? mac_a : mac_b,
                                                 &f->sw),
                         0);
        driver_init(&f->g[i]);
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

static void put_desc(struct guest *g, uint32_t table, unsigned int i,
                     uint32_t off, uint32_t len, uint16_t flags)
{
    uint64_t gpa = RAM_GPA + off;
    uint8_t *p = g->ram + table + 16 * i;
    uint16_t next = 0;

    memcpy(p, &gpa, 8);
    memcpy(p + 8, &len, 4);
    memcpy(p + 12, &flags, 2);
    memcpy(p + 14, &next, 2);
}

static void make_avail(struct guest *g, uint32_t avail, uint16_t slot,
                       uint16_t head)
{
    uint16_t idx = (uint16_t)(slot + 1);

    memcpy(g->ram + avail + 4 + 2 * slot, &head, 2);
    memcpy(g->ram + avail + 2, &idx, 2);
}

static uint16_t used_idx(const struct guest *g, uint32_t used)
{
    uint16_t v;

    memcpy(&v, g->ram + used + 2, 2);
    return v;
}

/* Posts one receive buffer of len bytes in rx slot `slot`. */
static void post_rx(struct guest *g, uint16_t slot, uint32_t len,
                    uint16_t flags)
{
    put_desc(g, RX_DESC, slot, BUF_OFF + 0x1000 * slot, len, flags);
    make_avail(g, RX_AVAIL, slot, slot);
}

/* Transmits a frame of len bytes from src to dst in tx slot `slot`. */
static void send(struct guest *g, uint16_t slot, const uint8_t *dst,
                 const uint8_t *src, uint32_t len, uint16_t flags)
{
    uint8_t *buf = g->ram + BUF_OFF + 0x4000 + 0x800 * slot;

    memset(buf, 0, VNET_HDR_SIZE);
    memcpy(buf + VNET_HDR_SIZE, dst, 6);
    memcpy(buf + VNET_HDR_SIZE + 6, src, 6);
    for (uint32_t i = 12; i < len; i++) {
        buf[VNET_HDR_SIZE + i] = (uint8_t)i;
    }
    put_desc(g, TX_DESC, slot, BUF_OFF + 0x4000 + 0x800 * slot,
             VNET_HDR_SIZE + len, flags);
    make_avail(g, TX_AVAIL, slot, slot);
    wr(&g->n.dev, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
}

static bool needs_reset(struct guest *g)
{
    return (rd(&g->n.dev, VIRTIO_MMIO_STATUS) &
            VIRTIO_STATUS_DEVICE_NEEDS_RESET) != 0;
}

static void test_mac_in_config(void **state)
{
    struct fixture *f = *state;
    uint64_t lo, hi;

    assert_int_equal(rd(&f->g[0].n.dev, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_NET);
    assert_int_equal(
        virtio_dev_read(&f->g[1].n.dev, NULL, VIRTIO_MMIO_CONFIG, 4, &lo), 0);
    assert_int_equal(
        virtio_dev_read(&f->g[1].n.dev, NULL, VIRTIO_MMIO_CONFIG + 4, 2, &hi),
        0);
    assert_int_equal(lo, 0x00005452);
    assert_int_equal(hi, 0x0b00);
}

static void test_frame_between_guests(void **state)
{
    struct fixture *f = *state;
    struct guest *a = &f->g[0], *b = &f->g[1];
    const uint8_t *got = b->ram + BUF_OFF;
    uint32_t len;

    post_rx(b, 0, 1526, VIRTQ_DESC_F_WRITE);
    send(a, 0, mac_b, mac_a, 100, 0);
    assert_int_equal(used_idx(a, TX_USED), 1); /* transmitted */
    assert_int_equal(used_idx(b, RX_USED), 1); /* received */
    memcpy(&len, b->ram + RX_USED + 4 + 4, 4);
    assert_int_equal(len, VNET_HDR_SIZE + 100);
    assert_int_equal(got[10], 1); /* num_buffers */
    assert_memory_equal(got + VNET_HDR_SIZE, mac_b, 6);
    assert_int_equal(got[VNET_HDR_SIZE + 99], 99);
    assert_int_equal(a->n.stats.tx_frames, 1);
    assert_int_equal(b->n.stats.rx_frames, 1);
    assert_true(fake_irq_line()->level);
}

/* Chains split anywhere: a transmit chain whose frame starts inside the
 * header's descriptor, a receive buffer in three pieces. */
static void test_split_chains(void **state)
{
    struct fixture *f = *state;
    struct guest *a = &f->g[0], *b = &f->g[1];
    uint8_t *tx = a->ram + BUF_OFF + 0x4000;
    uint8_t got[VNET_HDR_SIZE + 300];
    const uint16_t next = 1, two = 2;
    uint32_t len;

    memset(tx, 0, VNET_HDR_SIZE);
    memcpy(tx + VNET_HDR_SIZE, mac_b, 6);
    memcpy(tx + VNET_HDR_SIZE + 6, mac_a, 6);
    for (uint32_t i = 12; i < 300; i++) {
        tx[VNET_HDR_SIZE + i] = (uint8_t)(i * 3);
    }
    /* Header + 20 frame bytes, then the other 280. */
    put_desc(a, TX_DESC, 0, BUF_OFF + 0x4000, VNET_HDR_SIZE + 20,
             VIRTQ_DESC_F_NEXT);
    memcpy(a->ram + TX_DESC + 14, &next, 2);
    put_desc(a, TX_DESC, 1, BUF_OFF + 0x4000 + VNET_HDR_SIZE + 20, 280, 0);
    /* Receive buffer of 10 + 100 + 1416 bytes. */
    put_desc(b, RX_DESC, 0, BUF_OFF, 10,
             VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT);
    memcpy(b->ram + RX_DESC + 14, &next, 2);
    put_desc(b, RX_DESC, 1, BUF_OFF + 0x100, 100,
             VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT);
    memcpy(b->ram + RX_DESC + 16 + 14, &two, 2);
    put_desc(b, RX_DESC, 2, BUF_OFF + 0x1000, 1416, VIRTQ_DESC_F_WRITE);
    make_avail(b, RX_AVAIL, 0, 0);
    make_avail(a, TX_AVAIL, 0, 0);
    wr(&a->n.dev, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
    assert_int_equal(used_idx(b, RX_USED), 1);
    memcpy(&len, b->ram + RX_USED + 8, 4);
    assert_int_equal(len, VNET_HDR_SIZE + 300);
    memcpy(got, b->ram + BUF_OFF, 10);
    memcpy(got + 10, b->ram + BUF_OFF + 0x100, 100);
    memcpy(got + 110, b->ram + BUF_OFF + 0x1000, sizeof(got) - 110);
    assert_int_equal(got[10], 1); /* num_buffers */
    assert_memory_equal(got + VNET_HDR_SIZE, tx + VNET_HDR_SIZE, 300);
}

static void test_drops(void **state)
{
    struct fixture *f = *state;
    struct guest *a = &f->g[0], *b = &f->g[1];

    /* No buffer posted by b: the frame is lost, counted. */
    send(a, 0, mac_b, mac_a, 64, 0);
    assert_int_equal(b->n.stats.rx_dropped, 1);
    /* Spoofing b's own address: never reaches the switch. */
    post_rx(b, 0, 1526, VIRTQ_DESC_F_WRITE);
    send(a, 1, mac_b, mac_b, 64, 0);
    assert_int_equal(a->n.stats.tx_spoofed, 1);
    assert_int_equal(used_idx(b, RX_USED), 0);
    /* A runt and an oversized frame. */
    send(a, 2, mac_b, mac_a, 10, 0);
    send(a, 3, mac_b, mac_a, 1600, 0);
    assert_int_equal(a->n.stats.tx_dropped, 2);
    assert_int_equal(used_idx(a, TX_USED), 4); /* all returned */
    assert_int_equal(used_idx(b, RX_USED), 0);
    /* b's buffer too small for a full frame: returned empty. */
    send(a, 4, mac_b, mac_a, 64, 0); /* fills the posted buffer */
    post_rx(b, 1, 40, VIRTQ_DESC_F_WRITE);
    send(a, 5, mac_b, mac_a, 64, 0);
    assert_int_equal(used_idx(b, RX_USED), 2);
    assert_int_equal(b->n.stats.rx_dropped, 2);
    assert_false(needs_reset(a));
    assert_false(needs_reset(b));
}

static void test_wrong_directions(void **state)
{
    struct fixture *f = *state;
    struct guest *a = &f->g[0], *b = &f->g[1];

    send(a, 0, mac_b, mac_a, 64, VIRTQ_DESC_F_WRITE);
    assert_true(needs_reset(a));
    post_rx(b, 0, 1526, 0); /* readable receive buffer */
    driver_init(a);
    post_rx(b, 0, 1526, 0);
    send(a, 0, mac_b, mac_a, 64, 0);
    assert_true(needs_reset(b));
    assert_false(needs_reset(a));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mac_in_config, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frame_between_guests, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_split_chains, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_directions, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
