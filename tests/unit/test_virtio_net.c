/* SPDX-License-Identifier: MIT */
/*
 * Tests of the guest-facing virtio-net backend (drivers/virtio/
 * virtio_net_backend.c) with the real transport, split-virtqueue code and
 * switch: two guests' devices on one switch, driven through their
 * register files on two fake guest RAMs. A frame one transmits reaches
 * the other's receive buffer behind a 12-byte header; spoofed source
 * addresses, runts and oversized frames are dropped; a guest whose
 * buffer is too small loses the frame, counted, and one without room
 * has it held (a bounded number, in order, dropped by a reset); a
 * transmit chain with a writable buffer or a receive buffer that is
 * readable makes the device need a reset; the MAC is in config space.
 * Offloads: the features a guest negotiated decide what it may send (a
 * request it did not negotiate, or a malformed one, is dropped and
 * counted, the device still running) and what it receives (a GSO frame
 * whole with its header, or cut into plain segments by the switch); the
 * port's offloads follow DRIVER_OK and reset; a notified receive queue
 * asks for no more notifications unless frames are held, and a transmit
 * queue asks for none while it is drained.
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
/* For the offload tests: a transmit buffer for a 12-byte header and a GSO
 * frame, a receive buffer as large, and QNUM receive buffers of
 * SEG_RX_LEN bytes for one plain frame each. */
#define BIG_TX 0x10000
#define BIG_RX 0x14000
#define BIG_LEN 0x3000
#define SEG_RX(i) (0x18000 + 0x800 * (uint32_t)(i))
#define SEG_RX_LEN (VNET_HDR_SIZE + NET_MAX_FRAME)

#define FEAT(bit) (1U << (bit))
#define FEAT_MAC FEAT(VIRTIO_NET_F_MAC)
/* May send partial checksums and TCPv4 GSO frames; takes them. */
#define FEAT_TX_TSO4 (FEAT(VIRTIO_NET_F_CSUM) | FEAT(VIRTIO_NET_F_HOST_TSO4))
#define FEAT_RX_TSO4                                                           \
    (FEAT(VIRTIO_NET_F_GUEST_CSUM) | FEAT(VIRTIO_NET_F_GUEST_TSO4))

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

int netdev_xmit(struct netdev *d, const void *frame, uint32_t len,
                const struct net_meta *m)
{
    (void)d;
    (void)frame;
    (void)len;
    (void)m;
    return 0;
}

/* No uplink, so no buffer is ever lent. */
void *netdev_tx_borrow(struct netdev *d, uint32_t len)
{
    (void)d;
    (void)len;
    return NULL;
}

void netdev_tx_return(struct netdev *d, void *buf)
{
    (void)d;
    (void)buf;
    fail_msg("netdev_tx_return without a loan");
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

/* When set, called on every guest-memory lookup of the backends: what a
 * driver on another CPU could see at that moment. */
static void (*translate_hook)(struct guest *g);

static void *translate(void *ctx, uint64_t gpa, uint64_t len)
{
    struct guest *g = ctx;

    if (translate_hook != NULL) {
        translate_hook(g);
    }
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

#define STATUS_FEAT                                                            \
    (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |                        \
     VIRTIO_STATUS_FEATURES_OK)

/* Resets the device, negotiates VERSION_1 and the features (bits 0..31)
 * and sets up both queues, short of DRIVER_OK: whether the device
 * accepted the features (FEATURES_OK). */
static bool driver_negotiate(struct guest *g, uint32_t features)
{
    struct virtio_dev *d = &g->n.dev;

    memset(g->ram, 0, sizeof(g->ram));
    wr(d, VIRTIO_MMIO_STATUS, 0);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES, 1);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES, features);
    wr(d, VIRTIO_MMIO_STATUS, STATUS_FEAT);
    queue_init(d, 0, RX_DESC, RX_AVAIL, RX_USED);
    queue_init(d, 1, TX_DESC, TX_AVAIL, TX_USED);
    return (rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK) != 0;
}

/* The whole driver start-up, with these features (bits 0..31). */
static void driver_init_features(struct guest *g, uint32_t features)
{
    assert_true(driver_negotiate(g, features));
    wr(&g->n.dev, VIRTIO_MMIO_STATUS, STATUS_FEAT | VIRTIO_STATUS_DRIVER_OK);
}

static void driver_init(struct guest *g)
{
    driver_init_features(g, FEAT_MAC);
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

    memcpy(g->ram + avail + 4 + 2 * (slot % QNUM), &head, 2);
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

/* Transmits a frame of len bytes from src to dst as the n-th chain made
 * available (in tx slot n % QNUM). */
static void send(struct guest *g, uint16_t n, const uint8_t *dst,
                 const uint8_t *src, uint32_t len, uint16_t flags)
{
    uint16_t slot = n % QNUM;
    uint8_t *buf = g->ram + BUF_OFF + 0x4000 + 0x800 * slot;

    memset(buf, 0, VNET_HDR_SIZE);
    memcpy(buf + VNET_HDR_SIZE, dst, 6);
    memcpy(buf + VNET_HDR_SIZE + 6, src, 6);
    for (uint32_t i = 12; i < len; i++) {
        buf[VNET_HDR_SIZE + i] = (uint8_t)i;
    }
    put_desc(g, TX_DESC, slot, BUF_OFF + 0x4000 + 0x800 * slot,
             VNET_HDR_SIZE + len, flags);
    make_avail(g, TX_AVAIL, n, slot);
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

    /* Spoofing b's own address: never reaches the switch. */
    post_rx(b, 0, 1526, VIRTQ_DESC_F_WRITE);
    send(a, 0, mac_b, mac_b, 64, 0);
    assert_int_equal(a->n.stats.tx_spoofed, 1);
    assert_int_equal(used_idx(b, RX_USED), 0);
    /* A runt and an oversized frame. */
    send(a, 1, mac_b, mac_a, 10, 0);
    send(a, 2, mac_b, mac_a, 1600, 0);
    assert_int_equal(a->n.stats.tx_dropped, 2);
    assert_int_equal(used_idx(a, TX_USED), 3); /* all returned */
    assert_int_equal(used_idx(b, RX_USED), 0);
    /* b's buffer too small for a full frame: returned empty. */
    send(a, 3, mac_b, mac_a, 64, 0); /* fills the posted buffer */
    post_rx(b, 1, 40, VIRTQ_DESC_F_WRITE);
    send(a, 4, mac_b, mac_a, 64, 0);
    assert_int_equal(used_idx(b, RX_USED), 2);
    assert_int_equal(b->n.stats.rx_dropped, 1);
    assert_int_equal(b->n.stats.rx_held, 0);
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

/*
 * Offloads. Frames are Ethernet + IPv4 + TCP (no options) from a to b,
 * built by tcp_frame; their checksums are verified by ip_sum, written
 * here, not net_offload.c's.
 */
#define ETH_LEN 14
#define TCP_OFF 34  /* Ethernet + IPv4 header */
#define HDRS_LEN 54 /* + TCP header */
#define MSS 1448
#define GSO_PAYLOAD 10240
#define NR_SEGS ((GSO_PAYLOAD + MSS - 1) / MSS) /* 8 == QNUM */
#define SEQ 1000000U

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void set_be16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static void set_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* RFC 1071 sum of n bytes on top of sum, folded (not complemented). */
static uint16_t ip_sum(uint32_t sum, const uint8_t *p, uint32_t n)
{
    while (n > 1) {
        sum += be16(p);
        p += 2;
        n -= 2;
        if (sum >= 0x10000) {
            sum -= 0xffff;
        }
    }
    if (n == 1) {
        sum += (uint32_t)p[0] << 8;
    }
    while (sum >= 0x10000) {
        sum -= 0xffff;
    }
    return (uint16_t)sum;
}

/* Pseudo header (addresses, protocol 6, TCP length) of the frame. */
static uint16_t tcp_pseudo(const uint8_t *frame, uint32_t len)
{
    return ip_sum(6 + (len - TCP_OFF), frame + ETH_LEN + 12, 8);
}

/* A TCP/IPv4 frame from a to b with `payload` bytes in buf (ACK|PSH); its
 * TCP checksum field holds the pseudo header's sum (partial, for
 * NEEDS_CSUM) or the full checksum. Returns its length. */
static uint32_t tcp_frame(uint8_t *buf, uint32_t payload, bool partial)
{
    static const uint8_t addrs[8] = {192, 168, 1, 10, 192, 168, 1, 11};
    uint32_t len = HDRS_LEN + payload;
    uint8_t *ip = buf + ETH_LEN, *tcp = buf + TCP_OFF;

    memset(buf, 0, HDRS_LEN);
    memcpy(buf, mac_b, 6);
    memcpy(buf + 6, mac_a, 6);
    set_be16(buf + 12, 0x0800);
    ip[0] = 0x45;
    set_be16(ip + 2, len - ETH_LEN);
    set_be16(ip + 4, 0x4242);
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, addrs, sizeof(addrs));
    set_be16(ip + 10, (uint16_t)~ip_sum(0, ip, 20));
    set_be16(tcp, 33000);
    set_be16(tcp + 2, 80);
    set_be16(tcp + 4, SEQ >> 16);
    set_be16(tcp + 6, SEQ & 0xffff);
    tcp[12] = 0x50;
    tcp[13] = 0x18; /* ACK, PSH */
    set_be16(tcp + 14, 502);
    for (uint32_t i = 0; i < payload; i++) {
        buf[HDRS_LEN + i] = (uint8_t)(i / 3 + i % 7);
    }
    set_be16(tcp + 16, tcp_pseudo(buf, len));
    if (!partial) {
        set_be16(tcp + 16, (uint16_t)~ip_sum(0, tcp, len - TCP_OFF));
    }
    return len;
}

/* frame's IPv4 length and checksum and TCP checksum are right. */
static void expect_tcp_valid(const uint8_t *frame, uint32_t len)
{
    assert_int_equal(be16(frame + ETH_LEN + 2), len - ETH_LEN);
    assert_int_equal(ip_sum(0, frame + ETH_LEN, 20), 0xffff);
    assert_int_equal(
        ip_sum(tcp_pseudo(frame, len), frame + TCP_OFF, len - TCP_OFF), 0xffff);
}

/* virtio_net_hdr (little-endian, 12 bytes) for request m, num_buffers 0. */
static void hdr_encode(uint8_t *h, const struct net_meta *m)
{
    memset(h, 0, VNET_HDR_SIZE);
    h[0] = m->flags;
    h[1] = m->gso_type;
    set_le16(h + 2, m->hdr_len);
    set_le16(h + 4, m->gso_size);
    set_le16(h + 6, m->csum_start);
    set_le16(h + 8, m->csum_offset);
}

/* The received header h is request m with num_buffers 1. */
static void expect_hdr(const uint8_t *h, const struct net_meta *m)
{
    assert_int_equal(h[0], m->flags);
    assert_int_equal(h[1], m->gso_type);
    assert_int_equal(le16(h + 2), m->hdr_len);
    assert_int_equal(le16(h + 4), m->gso_size);
    assert_int_equal(le16(h + 6), m->csum_start);
    assert_int_equal(le16(h + 8), m->csum_offset);
    assert_int_equal(le16(h + 10), 1);
}

static const struct net_meta gso_req = {
    .flags = NET_META_NEEDS_CSUM,
    .gso_type = NET_GSO_TCPV4,
    .hdr_len = HDRS_LEN,
    .gso_size = MSS,
    .csum_start = TCP_OFF,
    .csum_offset = 16,
};
static const struct net_meta csum_req = {
    .flags = NET_META_NEEDS_CSUM,
    .csum_start = TCP_OFF,
    .csum_offset = 16,
};
static const struct net_meta no_req;

/*
 * Guest g transmits frame (len bytes) with header request m, as its
 * n-th frame since its driver started (any n: the ring wraps), from BIG_TX
 * in one descriptor.
 */
static void send_req(struct guest *g, uint16_t n, const uint8_t *frame,
                     uint32_t len, const struct net_meta *m)
{
    uint16_t idx = (uint16_t)(n + 1);
    uint16_t slot = n % QNUM;

    assert_true(VNET_HDR_SIZE + len <= BIG_RX - BIG_TX);
    hdr_encode(g->ram + BIG_TX, m);
    memcpy(g->ram + BIG_TX + VNET_HDR_SIZE, frame, len);
    put_desc(g, TX_DESC, slot, BIG_TX, VNET_HDR_SIZE + len, 0);
    memcpy(g->ram + TX_AVAIL + 4 + 2 * slot, &slot, 2);
    memcpy(g->ram + TX_AVAIL + 2, &idx, 2);
    wr(&g->n.dev, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
}

/* Used element i of the ring at `used`: the length written. */
static uint32_t used_len(const struct guest *g, uint32_t used, unsigned int i)
{
    uint32_t v;

    memcpy(&v, g->ram + used + 4 + 8 * (i % QNUM) + 4, 4);
    return v;
}

/* b posts one receive buffer large enough for a GSO frame. */
static void post_big_rx(struct guest *b)
{
    put_desc(b, RX_DESC, 0, BIG_RX, BIG_LEN, VIRTQ_DESC_F_WRITE);
    make_avail(b, RX_AVAIL, 0, 0);
}

/* Both guests take and send TSO4: a GSO frame goes from a to b whole,
 * with its header; then a partial-checksum frame does the same. */
static void test_gso_between_guests(void **state)
{
    struct fixture *f = *state;
    struct guest *a = &f->g[0], *b = &f->g[1];
    static uint8_t frame[NET_MAX_GSO_FRAME];
    uint32_t len = tcp_frame(frame, GSO_PAYLOAD, true);

    driver_init_features(a, FEAT_MAC | FEAT_TX_TSO4);
    driver_init_features(b, FEAT_MAC | FEAT_RX_TSO4);
    post_big_rx(b);
    send_req(a, 0, frame, len, &gso_req);
    assert_int_equal(used_idx(a, TX_USED), 1);
    assert_int_equal(used_idx(b, RX_USED), 1);
    assert_int_equal(used_len(b, RX_USED, 0), VNET_HDR_SIZE + len);
    expect_hdr(b->ram + BIG_RX, &gso_req);
    assert_memory_equal(b->ram + BIG_RX + VNET_HDR_SIZE, frame, len);
    assert_int_equal(a->n.stats.tx_frames, 1);
    assert_int_equal(a->n.stats.tx_gso, 1);
    assert_int_equal(a->n.stats.tx_bad_hdr, 0);
    assert_int_equal(b->n.stats.rx_frames, 1);
    assert_int_equal(b->n.stats.rx_gso, 1);
    assert_int_equal(b->n.port.tx_soft, 0);

    len = tcp_frame(frame, 333, true);
    put_desc(b, RX_DESC, 1, BIG_RX, BIG_LEN, VIRTQ_DESC_F_WRITE);
    make_avail(b, RX_AVAIL, 1, 1);
    send_req(a, 1, frame, len, &csum_req);
    assert_int_equal(used_idx(b, RX_USED), 2);
    assert_int_equal(used_len(b, RX_USED, 1), VNET_HDR_SIZE + len);
    expect_hdr(b->ram + BIG_RX, &csum_req);
    assert_memory_equal(b->ram + BIG_RX + VNET_HDR_SIZE, frame, len);
    assert_int_equal(a->n.stats.tx_gso, 1);
    assert_int_equal(b->n.stats.rx_gso, 1);
    assert_false(needs_reset(a));
    assert_false(needs_reset(b));
}

/* a sends a GSO frame to b, which negotiated b_features (not both
 * GUEST_CSUM and GUEST_TSO4) and posted NR_SEGS buffers: b gets plain
 * segments, each with a zero header but for num_buffers. */
static void gso_to_segments(struct fixture *f, uint32_t b_features)
{
    struct guest *a = &f->g[0], *b = &f->g[1];
    static uint8_t frame[NET_MAX_GSO_FRAME];
    uint32_t len = tcp_frame(frame, GSO_PAYLOAD, true);
    uint32_t off = 0;
    unsigned int i;
    /* Device resets keep the counters: compare with these. */
    const struct virtio_net_stats a0 = a->n.stats, b0 = b->n.stats;
    uint64_t soft0 = b->n.port.tx_soft;

    driver_init_features(a, FEAT_MAC | FEAT_TX_TSO4);
    driver_init_features(b, b_features);
    for (i = 0; i < NR_SEGS; i++) {
        put_desc(b, RX_DESC, i, SEG_RX(i), SEG_RX_LEN, VIRTQ_DESC_F_WRITE);
        make_avail(b, RX_AVAIL, (uint16_t)i, (uint16_t)i);
    }
    send_req(a, 0, frame, len, &gso_req);
    assert_int_equal(used_idx(a, TX_USED), 1);
    assert_int_equal(used_idx(b, RX_USED), NR_SEGS);
    for (i = 0; i < NR_SEGS; i++) {
        const uint8_t *got = b->ram + SEG_RX(i);
        uint32_t chunk = MIN(GSO_PAYLOAD - off, (uint32_t)MSS);
        uint32_t seglen = HDRS_LEN + chunk;

        assert_int_equal(used_len(b, RX_USED, i), VNET_HDR_SIZE + seglen);
        expect_hdr(got, &no_req);
        got += VNET_HDR_SIZE;
        expect_tcp_valid(got, seglen);
        assert_memory_equal(got, frame, 12); /* addresses */
        assert_int_equal((uint32_t)be16(got + TCP_OFF + 4) << 16 |
                             be16(got + TCP_OFF + 6),
                         SEQ + off);
        assert_memory_equal(got + HDRS_LEN, frame + HDRS_LEN + off, chunk);
        off += chunk;
    }
    assert_int_equal(off, GSO_PAYLOAD);
    assert_int_equal(a->n.stats.tx_frames, a0.tx_frames + 1);
    assert_int_equal(a->n.stats.tx_gso, a0.tx_gso + 1);
    assert_int_equal(b->n.stats.rx_frames, b0.rx_frames + NR_SEGS);
    assert_int_equal(b->n.stats.rx_gso, b0.rx_gso);
    assert_int_equal(b->n.stats.rx_dropped, b0.rx_dropped);
    assert_int_equal(b->n.port.tx_soft, soft0 + 1);
    assert_false(needs_reset(a));
    assert_false(needs_reset(b));
}

static void test_gso_to_plain_guest(void **state)
{
    struct fixture *f = *state;

    gso_to_segments(f, FEAT_MAC);
    /* Checksum offload alone, or TSO4 without the GUEST_CSUM it needs
     * (virtio 1.2, 5.1.3.1), is not enough for a GSO frame. */
    gso_to_segments(f, FEAT_MAC | FEAT(VIRTIO_NET_F_GUEST_CSUM));
    gso_to_segments(f, FEAT_MAC | FEAT(VIRTIO_NET_F_GUEST_CSUM) |
                           FEAT(VIRTIO_NET_F_GUEST_TSO6));
}

/* a sends TSO4 frames; b takes them with MRG_RXBUF and posts NR_SEGS
 * buffers of SEG_RX_LEN bytes. */
static void mrg_setup(struct guest *a, struct guest *b)
{
    unsigned int i;

    driver_init_features(a, FEAT_MAC | FEAT_TX_TSO4);
    driver_init_features(b, FEAT_MAC | FEAT_RX_TSO4 |
                                FEAT(VIRTIO_NET_F_MRG_RXBUF));
    for (i = 0; i < NR_SEGS; i++) {
        put_desc(b, RX_DESC, i, SEG_RX(i), SEG_RX_LEN, VIRTQ_DESC_F_WRITE);
        make_avail(b, RX_AVAIL, (uint16_t)i, (uint16_t)i);
    }
}

/* With MRG_RXBUF, a GSO frame fills as many of b's small buffers as it
 * needs, num_buffers in the first one's header; a frame that does not fit
 * in what is left is dropped and leaves the buffers to the next frame. */
static void test_mrg_rxbuf(void **state)
{
    struct fixture *f = *state;
    struct guest *a = &f->g[0], *b = &f->g[1];
    static uint8_t frame[NET_MAX_GSO_FRAME];
    static uint8_t got[NET_MAX_GSO_FRAME + VNET_HDR_SIZE];
    uint32_t len = tcp_frame(frame, GSO_PAYLOAD, true);
    uint32_t total = VNET_HDR_SIZE + len;
    uint32_t nbufs = (total + SEG_RX_LEN - 1) / SEG_RX_LEN;
    uint32_t off = 0;
    unsigned int i;

    assert_true(nbufs > 1 && nbufs < NR_SEGS);
    mrg_setup(a, b);
    send_req(a, 0, frame, len, &gso_req);
    assert_int_equal(used_idx(b, RX_USED), nbufs);
    for (i = 0; i < nbufs; i++) {
        uint32_t n = used_len(b, RX_USED, i);

        assert_int_equal(n, MIN(total - off, (uint32_t)SEG_RX_LEN));
        memcpy(got + off, b->ram + SEG_RX(i), n);
        off += n;
    }
    assert_int_equal(off, total);
    assert_int_equal(le16(got + 10), nbufs); /* num_buffers */
    assert_int_equal(got[0], gso_req.flags);
    assert_int_equal(got[1], gso_req.gso_type);
    assert_int_equal(le16(got + 4), gso_req.gso_size);
    assert_memory_equal(got + VNET_HDR_SIZE, frame, len);
    assert_int_equal(b->n.stats.rx_frames, 1);
    assert_int_equal(b->n.stats.rx_gso, 1);
    assert_int_equal(b->n.port.tx_soft, 0);

    /* NR_SEGS - nbufs buffers left: too few for the same frame again, so
     * it is held, and b is asked to notify when it posts more; a small
     * frame after it waits behind it, though it would fit. */
    send_req(a, 1, frame, len, &gso_req);
    assert_int_equal(used_idx(b, RX_USED), nbufs);
    assert_int_equal(b->n.stats.rx_held, 1);
    assert_int_equal(b->n.stats.rx_dropped, 0);
    assert_int_equal(le16(b->ram + RX_USED), 0); /* notify me */
    len = tcp_frame(frame, 100, true);
    send_req(a, 2, frame, len, &csum_req);
    assert_int_equal(used_idx(b, RX_USED), nbufs);
    assert_int_equal(b->n.stats.rx_held, 2);

    /* b posts again the buffers it got back and notifies: both frames
     * arrive, in order, and notifications go off again. */
    for (i = 0; i < nbufs; i++) {
        make_avail(b, RX_AVAIL, (uint16_t)(NR_SEGS + i), (uint16_t)i);
    }
    wr(&b->n.dev, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    assert_int_equal(used_idx(b, RX_USED), 2 * nbufs + 1);
    assert_int_equal(used_len(b, RX_USED, nbufs), SEG_RX_LEN);
    assert_int_equal(used_len(b, RX_USED, 2 * nbufs), VNET_HDR_SIZE + len);
    assert_int_equal(b->n.stats.rx_frames, 3);
    assert_int_equal(b->n.stats.rx_dropped, 0);
    assert_int_equal(le16(b->ram + RX_USED), VIRTQ_USED_F_NO_NOTIFY);
    assert_false(needs_reset(a));
    assert_false(needs_reset(b));
}

/* used->idx values of guest b seen during a delivery. */
static struct guest *seen_guest;
static uint16_t seen_idx[64];
static unsigned int nr_seen;

static void record_used_idx(struct guest *g)
{
    if (g == seen_guest && nr_seen < ARRAY_SIZE(seen_idx)) {
        seen_idx[nr_seen++] = used_idx(g, RX_USED);
    }
}

/* With MRG_RXBUF the buffers of one frame are returned together: a
 * driver reading used->idx meanwhile sees none of them or all (it takes
 * num_buffers entries after the first; Linux drops a frame whose others
 * are missing). */
static void test_mrg_rxbuf_used_at_once(void **state)
{
    struct fixture *f = *state;
    struct guest *a = &f->g[0], *b = &f->g[1];
    static uint8_t frame[NET_MAX_GSO_FRAME];
    uint32_t len = tcp_frame(frame, GSO_PAYLOAD, true);
    uint32_t nbufs = (VNET_HDR_SIZE + len + SEG_RX_LEN - 1) / SEG_RX_LEN;
    unsigned int i;

    mrg_setup(a, b);
    seen_guest = b;
    nr_seen = 0;
    translate_hook = record_used_idx;
    send_req(a, 0, frame, len, &gso_req);
    translate_hook = NULL;
    assert_int_equal(used_idx(b, RX_USED), nbufs);
    assert_true(nbufs > 1 && nr_seen > 0);
    for (i = 0; i < nr_seen; i++) {
        assert_true(seen_idx[i] == 0 || seen_idx[i] == nbufs);
    }
}

/* A partial-checksum frame to a guest without GUEST_CSUM: one plain frame,
 * checksum completed. */
static void test_csum_to_plain_guest(void **state)
{
    struct fixture *f = *state;
    struct guest *a = &f->g[0], *b = &f->g[1];
    static uint8_t frame[NET_MAX_FRAME];
    uint32_t len = tcp_frame(frame, 777, true);
    const uint8_t *got = b->ram + BIG_RX;

    driver_init_features(a, FEAT_MAC | FEAT(VIRTIO_NET_F_CSUM));
    post_big_rx(b);
    send_req(a, 0, frame, len, &csum_req);
    assert_int_equal(used_idx(b, RX_USED), 1);
    assert_int_equal(used_len(b, RX_USED, 0), VNET_HDR_SIZE + len);
    expect_hdr(got, &no_req);
    expect_tcp_valid(got + VNET_HDR_SIZE, len);
    assert_memory_equal(got + VNET_HDR_SIZE, frame, TCP_OFF + 16);
    assert_memory_equal(got + VNET_HDR_SIZE + TCP_OFF + 18,
                        frame + TCP_OFF + 18, len - TCP_OFF - 18);
    assert_int_equal(b->n.port.tx_soft, 1);
}

/* a's n-th frame (request m) is dropped as a bad header: counted, its
 * buffer returned, nothing reaches b, no reset. */
static void expect_bad_hdr(struct fixture *f, uint16_t n, const uint8_t *frame,
                           uint32_t len, const struct net_meta *m)
{
    struct guest *a = &f->g[0], *b = &f->g[1];
    uint64_t bad = a->n.stats.tx_bad_hdr;
    uint64_t dropped = a->n.stats.tx_dropped;
    uint64_t sent = a->n.stats.tx_frames;
    uint16_t rx = used_idx(b, RX_USED);

    send_req(a, n, frame, len, m);
    assert_int_equal(a->n.stats.tx_bad_hdr, bad + 1);
    assert_int_equal(a->n.stats.tx_dropped, dropped);
    assert_int_equal(a->n.stats.tx_frames, sent);
    assert_int_equal(used_idx(a, TX_USED), (uint16_t)(n + 1));
    assert_int_equal(used_len(a, TX_USED, n), 0);
    assert_int_equal(used_idx(b, RX_USED), rx);
    assert_false(needs_reset(a));
    assert_false(needs_reset(b));
}

/* Requests a did not negotiate are refused (b would take them all). */
static void test_tx_offload_not_negotiated(void **state)
{
    struct fixture *f = *state;
    struct guest *a = &f->g[0], *b = &f->g[1];
    static uint8_t gso[NET_MAX_GSO_FRAME], plain[NET_MAX_FRAME];
    uint32_t gso_len = tcp_frame(gso, GSO_PAYLOAD, true);
    uint32_t plain_len = tcp_frame(plain, 100, true);

    driver_init_features(b, FEAT_MAC | FEAT_RX_TSO4);
    post_big_rx(b);
    /* a has only MAC (setup). */
    expect_bad_hdr(f, 0, gso, gso_len, &gso_req);
    expect_bad_hdr(f, 1, plain, plain_len, &csum_req);
    assert_int_equal(a->n.stats.tx_bad_hdr, 2);

    /* CSUM without HOST_TSO4. */
    driver_init_features(a, FEAT_MAC | FEAT(VIRTIO_NET_F_CSUM) |
                                FEAT(VIRTIO_NET_F_HOST_TSO6));
    expect_bad_hdr(f, 0, gso, gso_len, &gso_req);
    /* HOST_TSO4 without the CSUM it needs: whether or not the device
     * accepts the features, it must not take a GSO frame. */
    if (driver_negotiate(a, FEAT_MAC | FEAT(VIRTIO_NET_F_HOST_TSO4))) {
        wr(&a->n.dev, VIRTIO_MMIO_STATUS,
           STATUS_FEAT | VIRTIO_STATUS_DRIVER_OK);
        expect_bad_hdr(f, 0, gso, gso_len, &gso_req);
    }

    /* With CSUM, the partial-checksum frame goes through. */
    driver_init_features(a, FEAT_MAC | FEAT(VIRTIO_NET_F_CSUM));
    send_req(a, 0, plain, plain_len, &csum_req);
    assert_int_equal(used_idx(b, RX_USED), 1);
    expect_hdr(b->ram + BIG_RX, &csum_req);
    assert_memory_equal(b->ram + BIG_RX + VNET_HDR_SIZE, plain, plain_len);
}

/* Malformed requests from a guest that negotiated the offloads: dropped
 * and counted, the device still running; a good frame still goes through
 * afterwards. */
static void test_tx_malformed_hdr(void **state)
{
    struct fixture *f = *state;
    struct guest *a = &f->g[0], *b = &f->g[1];
    static uint8_t frame[NET_MAX_GSO_FRAME], small[NET_MAX_FRAME];
    uint32_t len = tcp_frame(frame, GSO_PAYLOAD, true);
    uint32_t small_len = tcp_frame(small, 100, true);
    struct net_meta m;
    uint16_t n = 0;

    driver_init_features(a, FEAT_MAC | FEAT_TX_TSO4 |
                                FEAT(VIRTIO_NET_F_HOST_TSO6));
    driver_init_features(b, FEAT_MAC | FEAT_RX_TSO4);
    post_big_rx(b);

    m = gso_req;
    m.gso_size = 0;
    expect_bad_hdr(f, n++, frame, len, &m);
    m = gso_req;
    m.csum_offset = (uint16_t)(len - TCP_OFF - 1); /* field's 2nd byte out */
    expect_bad_hdr(f, n++, frame, len, &m);
    m = csum_req;
    m.csum_offset = (uint16_t)(small_len - TCP_OFF);
    expect_bad_hdr(f, n++, small, small_len, &m);
    m = csum_req;
    m.csum_start = 0xfff0; /* and 0xfff0 + 16 wraps in 16 bits */
    expect_bad_hdr(f, n++, small, small_len, &m);
    m = gso_req;
    m.gso_type = 3; /* UDP (UFO): not offered */
    expect_bad_hdr(f, n++, frame, len, &m);
    m = gso_req;
    m.gso_type = 5; /* USO (virtio 1.2): not offered */
    expect_bad_hdr(f, n++, frame, len, &m);
    m = gso_req;
    m.gso_type = NET_GSO_TCPV4 | NET_GSO_ECN;
    expect_bad_hdr(f, n++, frame, len, &m);
    m = gso_req;
    m.gso_type = NET_GSO_TCPV6; /* negotiated, but an IPv4 frame */
    expect_bad_hdr(f, n++, frame, len, &m);
    m = gso_req;
    m.flags = 0; /* GSO without NEEDS_CSUM */
    expect_bad_hdr(f, n++, frame, len, &m);
    m = gso_req;
    m.gso_size = 1500; /* segments above the MTU */
    expect_bad_hdr(f, n++, frame, len, &m);
    m = no_req;
    m.gso_type = NET_GSO_TCPV4; /* a plain-sized frame, GSO, no csum */
    expect_bad_hdr(f, n++, small, small_len, &m);
    assert_int_equal(a->n.stats.tx_bad_hdr, n);
    assert_int_equal(a->n.stats.tx_gso, 0);

    /* The ring wrapped meanwhile; a good GSO frame still goes through. */
    send_req(a, n, frame, len, &gso_req);
    assert_int_equal(used_idx(a, TX_USED), n + 1);
    assert_int_equal(used_idx(b, RX_USED), 1);
    expect_hdr(b->ram + BIG_RX, &gso_req);
    assert_memory_equal(b->ram + BIG_RX + VNET_HDR_SIZE, frame, len);
    assert_int_equal(a->n.stats.tx_gso, 1);
    assert_int_equal(b->n.stats.rx_gso, 1);
}

/* b posts a big buffer, a sends frame with request m: b gets it with
 * request want in its header. */
static void expect_passed(struct fixture *f, uint16_t n, const uint8_t *frame,
                          uint32_t len, const struct net_meta *m,
                          const struct net_meta *want)
{
    struct guest *a = &f->g[0], *b = &f->g[1];
    uint16_t rx = used_idx(b, RX_USED);

    put_desc(b, RX_DESC, rx % QNUM, BIG_RX, BIG_LEN, VIRTQ_DESC_F_WRITE);
    make_avail(b, RX_AVAIL, rx % QNUM, rx % QNUM);
    send_req(a, n, frame, len, m);
    assert_int_equal(used_idx(b, RX_USED), (uint16_t)(rx + 1));
    assert_int_equal(used_len(b, RX_USED, rx), VNET_HDR_SIZE + len);
    expect_hdr(b->ram + BIG_RX, want);
    assert_memory_equal(b->ram + BIG_RX + VNET_HDR_SIZE, frame, len);
    assert_int_equal(a->n.stats.tx_bad_hdr, 0);
    assert_false(needs_reset(a));
}

/* DATA_VALID is a receive flag: from a guest's transmit header it never
 * reaches another guest, even one taking checksum offload (the frame's
 * checksum here is in fact wrong). */
static void test_tx_data_valid_ignored(void **state)
{
    struct fixture *f = *state;
    static uint8_t frame[NET_MAX_FRAME];
    uint32_t len = tcp_frame(frame, 500, false);
    struct net_meta m = no_req;

    driver_init_features(&f->g[0], FEAT_MAC | FEAT(VIRTIO_NET_F_CSUM));
    driver_init_features(&f->g[1], FEAT_MAC | FEAT(VIRTIO_NET_F_GUEST_CSUM));
    frame[HDRS_LEN] ^= 0xff; /* breaks the TCP checksum */
    m.flags = NET_META_DATA_VALID;
    expect_passed(f, 0, frame, len, &m, &no_req);
    len = tcp_frame(frame, 500, true);
    m = csum_req;
    m.flags |= NET_META_DATA_VALID;
    expect_passed(f, 1, frame, len, &m, &csum_req);
}

/*
 * Flag bits a transmit header sets that the device does not know are
 * ignored (virtio 1.2, 5.1.6.2.2): the frame goes through with only the
 * request it knows, not dropped as a bad request.
 */
static void test_tx_unknown_flags_ignored(void **state)
{
    struct fixture *f = *state;
    static uint8_t frame[NET_MAX_FRAME];
    uint32_t len = tcp_frame(frame, 500, true);
    struct net_meta m = csum_req;

    driver_init_features(&f->g[0], FEAT_MAC | FEAT(VIRTIO_NET_F_CSUM));
    driver_init_features(&f->g[1], FEAT_MAC | FEAT(VIRTIO_NET_F_GUEST_CSUM));
    m.flags |= 0x08;
    expect_passed(f, 0, frame, len, &m, &csum_req);
    len = tcp_frame(frame, 500, false);
    m = no_req;
    m.flags = 0x80;
    expect_passed(f, 1, frame, len, &m, &no_req);
}

/* A frame whose request the guest does not take, handed to its port
 * directly (the switch read the offloads before a reset): dropped, the
 * buffer left posted. */
static void test_deliver_untaken_request(void **state)
{
    struct fixture *f = *state;
    struct guest *b = &f->g[1];
    static uint8_t frame[NET_MAX_GSO_FRAME];
    uint32_t len = tcp_frame(frame, GSO_PAYLOAD, true);

    driver_init_features(b, FEAT_MAC | FEAT(VIRTIO_NET_F_GUEST_CSUM));
    post_big_rx(b);
    b->n.port.deliver(&b->n.port, frame, len, &gso_req);
    assert_int_equal(b->n.stats.rx_dropped, 1);
    assert_int_equal(used_idx(b, RX_USED), 0);
    driver_init(b);
    post_big_rx(b);
    len = tcp_frame(frame, 100, true);
    b->n.port.deliver(&b->n.port, frame, len, &csum_req);
    assert_int_equal(b->n.stats.rx_dropped, 2);
    assert_int_equal(used_idx(b, RX_USED), 0);
    /* What it takes still arrives. */
    b->n.port.deliver(&b->n.port, frame, len, &no_req);
    assert_int_equal(used_idx(b, RX_USED), 1);
    assert_false(needs_reset(b));
}

/* The receive queue's used->flags after the guest notifies it. */
static void test_rx_no_notify(void **state)
{
    struct fixture *f = *state;
    struct guest *a = &f->g[0], *b = &f->g[1];
    uint16_t flags;

    memcpy(&flags, b->ram + RX_USED, 2);
    assert_int_equal(flags, 0);
    post_rx(b, 0, 1526, VIRTQ_DESC_F_WRITE);
    wr(&b->n.dev, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    memcpy(&flags, b->ram + RX_USED, 2);
    assert_int_equal(flags, VIRTQ_USED_F_NO_NOTIFY);
    assert_false(needs_reset(b));
    /* Receiving keeps it; the transmit queue is still notified. */
    send(a, 0, mac_b, mac_a, 100, 0);
    assert_int_equal(used_idx(b, RX_USED), 1);
    memcpy(&flags, b->ram + RX_USED, 2);
    assert_int_equal(flags, VIRTQ_USED_F_NO_NOTIFY);
    memcpy(&flags, a->ram + TX_USED, 2);
    assert_int_equal(flags, 0);
}

/* The last byte of the frame of len bytes in b's rx slot `slot` (send()
 * fills byte i with i: frames of different lengths tell apart by it). */
static uint8_t rx_last_byte(const struct guest *b, uint16_t slot, uint32_t len)
{
    return b->ram[BUF_OFF + 0x1000 * slot + VNET_HDR_SIZE + len - 1];
}

/* Frames for a guest with no buffer posted are held, in order, not
 * dropped, and arrive when it posts buffers and notifies. */
static void test_rx_held_until_buffers(void **state)
{
    struct fixture *f = *state;
    struct guest *a = &f->g[0], *b = &f->g[1];
    uint16_t i;

    post_rx(b, 0, 1526, VIRTQ_DESC_F_WRITE);
    wr(&b->n.dev, VIRTIO_MMIO_QUEUE_NOTIFY, 0); /* NO_NOTIFY from now */
    send(a, 0, mac_b, mac_a, 60, 0);            /* takes the one buffer */
    for (i = 1; i <= 3; i++) {
        send(a, i, mac_b, mac_a, 60 + i, 0);
    }
    assert_int_equal(used_idx(b, RX_USED), 1);
    assert_int_equal(b->n.stats.rx_held, 3);
    assert_int_equal(b->n.stats.rx_dropped, 0);
    assert_int_equal(le16(b->ram + RX_USED), 0); /* notify me */

    /* Two buffers: the two oldest arrive when the third frame comes. */
    post_rx(b, 1, 1526, VIRTQ_DESC_F_WRITE);
    post_rx(b, 2, 1526, VIRTQ_DESC_F_WRITE);
    send(a, 4, mac_b, mac_a, 64, 0);
    assert_int_equal(used_idx(b, RX_USED), 3);
    assert_int_equal(rx_last_byte(b, 1, 61), 60);
    assert_int_equal(rx_last_byte(b, 2, 62), 61);
    assert_int_equal(b->n.stats.rx_held, 4); /* the new one behind */

    /* The rest when b notifies. */
    post_rx(b, 3, 1526, VIRTQ_DESC_F_WRITE);
    post_rx(b, 4, 1526, VIRTQ_DESC_F_WRITE);
    wr(&b->n.dev, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    assert_int_equal(used_idx(b, RX_USED), 5);
    assert_int_equal(rx_last_byte(b, 3, 63), 62);
    assert_int_equal(rx_last_byte(b, 4, 64), 63);
    assert_int_equal(b->n.stats.rx_frames, 5);
    assert_int_equal(b->n.stats.rx_dropped, 0);
    assert_int_equal(le16(b->ram + RX_USED), VIRTQ_USED_F_NO_NOTIFY);
    assert_false(needs_reset(b));
}

/* At most VNET_RX_HELD frames wait; more are dropped, counted. A reset
 * drops what was held for the old rings. */
static void test_rx_held_bounded_and_reset(void **state)
{
    struct fixture *f = *state;
    struct guest *a = &f->g[0], *b = &f->g[1];
    uint16_t i;

    for (i = 0; i < VNET_RX_HELD + 2; i++) {
        send(a, i, mac_b, mac_a, 64, 0);
    }
    assert_int_equal(b->n.stats.rx_held, VNET_RX_HELD);
    assert_int_equal(b->n.stats.rx_dropped, 2);
    assert_int_equal(used_idx(a, TX_USED), VNET_RX_HELD + 2);

    driver_init(b); /* reset: rings anew */
    post_rx(b, 0, 1526, VIRTQ_DESC_F_WRITE);
    wr(&b->n.dev, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    assert_int_equal(used_idx(b, RX_USED), 0);
    assert_int_equal(b->n.stats.rx_dropped, 2 + VNET_RX_HELD);
    /* What comes now is b's. */
    send(a, VNET_RX_HELD + 2, mac_b, mac_a, 64, 0);
    assert_int_equal(used_idx(b, RX_USED), 1);
    assert_false(needs_reset(a));
    assert_false(needs_reset(b));
}

/* A switch port that records guest a's transmit used->flags and
 * avail_event when a frame reaches it: what a driver saw meanwhile. */
static uint16_t spy_flags, spy_event;

static void spy_deliver(struct vswitch_port *p, const void *frame, uint32_t len,
                        const struct net_meta *m)
{
    const uint8_t *used = p->ctx;

    (void)frame;
    (void)len;
    (void)m;
    memcpy(&spy_flags, used, 2);
    memcpy(&spy_event, used + 4 + 8 * QNUM, 2);
}

/* While its frames are being sent the guest is asked not to notify the
 * transmit queue (used->flags, or avail_event with EVENT_IDX); after,
 * it is asked to again. */
static void test_tx_quiet_while_draining(void **state)
{
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    struct fixture *f = *state;
    struct guest *a = &f->g[0];
    struct vswitch_port spy = {
        .name = "spy", .deliver = spy_deliver, .ctx = a->ram + TX_USED};
    uint16_t v;

    assert_int_equal(vswitch_add_port(&f->sw, &spy), 0);
    send(a, 0, bcast, mac_a, 100, 0);
    assert_int_equal(used_idx(a, TX_USED), 1);
    assert_int_equal(spy_flags, VIRTQ_USED_F_NO_NOTIFY);
    memcpy(&v, a->ram + TX_USED, 2);
    assert_int_equal(v, 0);

    driver_init_features(a, FEAT_MAC | FEAT(VIRTIO_F_EVENT_IDX));
    send(a, 0, bcast, mac_a, 100, 0);
    assert_int_equal(used_idx(a, TX_USED), 1);
    assert_int_equal(spy_event, 1 + 0x8000); /* out of the driver's reach */
    memcpy(&v, a->ram + TX_USED + 4 + 8 * QNUM, 2);
    assert_int_equal(v, 1); /* the next chain notifies */
    assert_false(needs_reset(a));
}

/* port.offloads: what the guest negotiated to receive, from DRIVER_OK
 * until reset. */
static void test_port_offloads(void **state)
{
    struct fixture *f = *state;
    struct guest *b = &f->g[1];
    struct virtio_dev *d = &b->n.dev;
    const uint32_t all_rx = FEAT_RX_TSO4 | FEAT(VIRTIO_NET_F_GUEST_TSO6);

    assert_int_equal(b->n.port.offloads, 0); /* MAC only */
    assert_true(driver_negotiate(b, FEAT_MAC | all_rx));
    assert_int_equal(b->n.port.offloads, 0);
    wr(d, VIRTIO_MMIO_STATUS, STATUS_FEAT | VIRTIO_STATUS_DRIVER_OK);
    assert_int_equal(b->n.port.offloads,
                     NET_OFF_CSUM | NET_OFF_TSO4 | NET_OFF_TSO6);
    wr(d, VIRTIO_MMIO_STATUS, 0);
    assert_int_equal(b->n.port.offloads, 0);

    driver_init_features(b, FEAT_MAC | FEAT_RX_TSO4);
    assert_int_equal(b->n.port.offloads, NET_OFF_CSUM | NET_OFF_TSO4);
    driver_init_features(b, FEAT(VIRTIO_NET_F_GUEST_CSUM));
    assert_int_equal(b->n.port.offloads, NET_OFF_CSUM);
    /* Send offloads are not receive offloads. */
    driver_init_features(b, FEAT_MAC | FEAT_TX_TSO4);
    assert_int_equal(b->n.port.offloads, 0);
    /* TSO without GUEST_CSUM: nothing, accepted or not. */
    if (driver_negotiate(b, FEAT(VIRTIO_NET_F_GUEST_TSO4))) {
        wr(d, VIRTIO_MMIO_STATUS, STATUS_FEAT | VIRTIO_STATUS_DRIVER_OK);
        assert_int_equal(b->n.port.offloads, 0);
    }
    wr(d, VIRTIO_MMIO_STATUS, 0);
    assert_int_equal(b->n.port.offloads, 0);
}

#define NET_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mac_in_config, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frame_between_guests, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_split_chains, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_directions, setup, teardown),
        NET_TEST(test_gso_between_guests),
        NET_TEST(test_gso_to_plain_guest),
        NET_TEST(test_mrg_rxbuf),
        NET_TEST(test_mrg_rxbuf_used_at_once),
        NET_TEST(test_csum_to_plain_guest),
        NET_TEST(test_tx_offload_not_negotiated),
        NET_TEST(test_tx_malformed_hdr),
        NET_TEST(test_tx_data_valid_ignored),
        NET_TEST(test_tx_unknown_flags_ignored),
        NET_TEST(test_deliver_untaken_request),
        NET_TEST(test_rx_no_notify),
        NET_TEST(test_tx_quiet_while_draining),
        NET_TEST(test_rx_held_until_buffers),
        NET_TEST(test_rx_held_bounded_and_reset),
        NET_TEST(test_port_offloads),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
