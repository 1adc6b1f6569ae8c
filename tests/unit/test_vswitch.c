/* SPDX-License-Identifier: MIT */
/*
 * Tests of drivers/net/vswitch.c: MAC learning, moving and aging, the
 * choice between one port, flooding and dropping, the counters, and that
 * the deliver hooks run without the switch's lock, and the offloads: each
 * port gets a frame's checksum or segmentation request only if it takes
 * it, else the checksum completed or the frame cut into plain segments
 * (checked here with an independent checksum), and DATA_VALID only with
 * checksum offload. Ports are fakes whose deliver records each (port,
 * frame copy, length, request) it is handed.
 */
#include "harness.h"

#include <drivers/vswitch.h>
#include <hv/errno.h>

#define MAX_SENT 32
#define FRAME_LEN 60
#define T0 1000000ULL

struct sent {
    struct vswitch_port *port;
    uint8_t frame[NET_MAX_GSO_FRAME];
    uint32_t len;
    struct net_meta meta;
};

struct fixture {
    struct vswitch sw;
    struct vswitch_port ports[VSWITCH_MAX_PORTS];
    struct sent sent[MAX_SENT];
    unsigned int nr_sent;
    uint8_t frame[FRAME_LEN]; /* the last frame send_len built */
    uint32_t len;
};

static const struct net_meta plain;
static const uint8_t mac_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t mac_mcast[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};
static const uint8_t mac_a[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0a};
static const uint8_t mac_b[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0b};
static const uint8_t mac_c[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

static void record(struct vswitch_port *p, const void *frame, uint32_t len,
                   const struct net_meta *m)
{
    struct fixture *f = p->ctx;
    struct sent *s;

    assert_true(f->nr_sent < MAX_SENT);
    assert_true(len <= NET_MAX_GSO_FRAME);
    s = &f->sent[f->nr_sent++];
    s->port = p;
    memcpy(s->frame, frame, len);
    s->len = len;
    s->meta = *m;
}

static struct fixture *fixture_new(unsigned int nr_ports)
{
    struct fixture *f = calloc(1, sizeof(*f));
    unsigned int i;

    assert_non_null(f);
    vswitch_init(&f->sw);
    for (i = 0; i < nr_ports; i++) {
        f->ports[i].name = "fake";
        f->ports[i].deliver = record;
        f->ports[i].ctx = f;
        assert_int_equal(vswitch_add_port(&f->sw, &f->ports[i]), 0);
        assert_int_equal(f->ports[i].index, i);
    }
    return f;
}

static int setup4(void **state)
{
    *state = fixture_new(4);
    return 0;
}

static int setup8(void **state)
{
    *state = fixture_new(VSWITCH_MAX_PORTS);
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

/* 02:00:00:00:hi:lo: locally administered unicast MAC number n. */
static void mac_make(uint8_t *mac, unsigned int n)
{
    memset(mac, 0, 6);
    mac[0] = 0x02;
    mac[4] = (uint8_t)(n >> 8);
    mac[5] = (uint8_t)n;
}

/* Builds a len-byte frame dst <- src with a recognisable payload and
 * sends it in on port `in` at now; forgets the frames sent before. */
static void send_len(struct fixture *f, unsigned int in, const uint8_t *dst,
                     const uint8_t *src, uint32_t len, uint64_t now)
{
    uint32_t i;

    memcpy(f->frame, dst, 6);
    memcpy(f->frame + 6, src, 6);
    for (i = 12; i < FRAME_LEN; i++) {
        f->frame[i] = (uint8_t)(i * 7 + in);
    }
    f->len = len;
    f->nr_sent = 0;
    vswitch_input(&f->sw, &f->ports[in], f->frame, len, &plain, now);
}

static void send_frame(struct fixture *f, unsigned int in, const uint8_t *dst,
                       const uint8_t *src, uint64_t now)
{
    send_len(f, in, dst, src, FRAME_LEN, now);
}

static void expect_meta(const struct net_meta *got, const struct net_meta *want)
{
    assert_int_equal(got->flags, want->flags);
    assert_int_equal(got->gso_type, want->gso_type);
    assert_int_equal(got->hdr_len, want->hdr_len);
    assert_int_equal(got->gso_size, want->gso_size);
    assert_int_equal(got->csum_start, want->csum_start);
    assert_int_equal(got->csum_offset, want->csum_offset);
}

/* The last frame went out of exactly the ports in mask (bit i: port i),
 * once each, intact and as a plain frame (meta all zero). */
static void expect_out(struct fixture *f, unsigned int mask)
{
    unsigned int seen = 0;
    unsigned int i;

    for (i = 0; i < f->nr_sent; i++) {
        unsigned int bit = 1U << f->sent[i].port->index;

        assert_ptr_equal(f->sent[i].port, &f->ports[f->sent[i].port->index]);
        assert_false(seen & bit);
        seen |= bit;
        assert_int_equal(f->sent[i].len, f->len);
        assert_memory_equal(f->sent[i].frame, f->frame, f->len);
        expect_meta(&f->sent[i].meta, &plain);
    }
    assert_int_equal(seen, mask);
}

/* send_frame, then expect_out(mask). */
static void send_expect(struct fixture *f, unsigned int in, const uint8_t *dst,
                        const uint8_t *src, uint64_t now, unsigned int mask)
{
    send_frame(f, in, dst, src, now);
    expect_out(f, mask);
}

static void test_flood_unknown_unicast(void **state)
{
    struct fixture *f = *state;

    send_expect(f, 1, mac_b, mac_a, T0, 0xd);
}

static void test_flood_broadcast(void **state)
{
    struct fixture *f = *state;

    send_expect(f, 0, mac_bcast, mac_a, T0, 0xe);
    /* Known sources do not stop a broadcast from flooding. */
    send_frame(f, 2, mac_a, mac_b, T0);
    send_expect(f, 3, mac_bcast, mac_c, T0, 0x7);
}

static void test_flood_multicast(void **state)
{
    struct fixture *f = *state;
    static const uint8_t ipv6_mcast[6] = {0x33, 0x33, 0, 0, 0, 1};

    send_expect(f, 2, mac_mcast, mac_a, T0, 0xb);
    send_expect(f, 3, ipv6_mcast, mac_b, T0, 0x7);
}

static void test_learn_then_unicast(void **state)
{
    struct fixture *f = *state;

    send_expect(f, 0, mac_b, mac_a, T0, 0xe);
    assert_ptr_equal(vswitch_lookup(&f->sw, mac_a, T0), &f->ports[0]);
    assert_null(vswitch_lookup(&f->sw, mac_b, T0));

    send_expect(f, 2, mac_a, mac_b, T0 + 1, 0x1);
    send_expect(f, 0, mac_b, mac_a, T0 + 2, 0x4);
    assert_ptr_equal(vswitch_lookup(&f->sw, mac_b, T0 + 2), &f->ports[2]);
}

static void test_no_echo_to_input(void **state)
{
    struct fixture *f = *state;

    send_frame(f, 1, mac_bcast, mac_b, T0);
    /* b is on port 1: a frame from port 1 to b is dropped, not flooded. */
    send_expect(f, 1, mac_b, mac_a, T0, 0);
    /* So is a frame to its own sender. */
    send_expect(f, 3, mac_c, mac_c, T0, 0);
    assert_int_equal(f->ports[1].tx_frames, 0);
    assert_int_equal(f->ports[3].tx_frames, 1); /* the broadcast only */
}

static void test_mac_moves(void **state)
{
    struct fixture *f = *state;

    send_frame(f, 0, mac_bcast, mac_a, T0);
    send_expect(f, 2, mac_a, mac_b, T0 + 1, 0x1);
    /* a migrates to port 3. */
    send_frame(f, 3, mac_bcast, mac_a, T0 + 2);
    assert_ptr_equal(vswitch_lookup(&f->sw, mac_a, T0 + 2), &f->ports[3]);
    send_expect(f, 2, mac_a, mac_b, T0 + 3, 0x8);
    /* Now on the input port of a frame from port 3: dropped. */
    send_expect(f, 3, mac_a, mac_c, T0 + 4, 0);
}

static void test_aging(void **state)
{
    struct fixture *f = *state;

    send_frame(f, 1, mac_bcast, mac_a, T0);
    send_expect(f, 0, mac_a, mac_b, T0 + VSWITCH_AGE_NS - 1, 0x2);
    assert_null(vswitch_lookup(&f->sw, mac_a, T0 + VSWITCH_AGE_NS));
    send_expect(f, 0, mac_a, mac_b, T0 + VSWITCH_AGE_NS + 1, 0xe);

    /* Traffic from a MAC keeps its entry alive. */
    send_frame(f, 2, mac_bcast, mac_c, T0);
    send_frame(f, 2, mac_bcast, mac_c, T0 + VSWITCH_AGE_NS / 2);
    assert_ptr_equal(vswitch_lookup(&f->sw, mac_c, T0 + VSWITCH_AGE_NS + 1),
                     &f->ports[2]);
    /* A clock a little behind the entry's stamp does not age it out. */
    assert_ptr_equal(vswitch_lookup(&f->sw, mac_c, T0), &f->ports[2]);
}

static void test_group_source_not_learned(void **state)
{
    struct fixture *f = *state;
    unsigned int i;

    send_frame(f, 1, mac_b, mac_bcast, T0);
    send_expect(f, 2, mac_b, mac_mcast, T0, 0xb);
    assert_null(vswitch_lookup(&f->sw, mac_bcast, T0));
    assert_null(vswitch_lookup(&f->sw, mac_mcast, T0));
    for (i = 0; i < VSWITCH_FDB_SIZE; i++) {
        assert_false(f->sw.fdb[i].used);
    }
    /* A frame to that group address still floods. */
    send_expect(f, 0, mac_mcast, mac_a, T0, 0xe);
}

static void test_full_table_replaces_oldest(void **state)
{
    struct fixture *f = *state;
    uint8_t mac[6];
    unsigned int i;

    for (i = 0; i < VSWITCH_FDB_SIZE; i++) {
        mac_make(mac, i);
        send_frame(f, i % 4, mac_bcast, mac, T0 + i);
    }
    /* Refresh MAC 0: MAC 1 becomes the oldest. */
    mac_make(mac, 0);
    send_frame(f, 0, mac_bcast, mac, T0 + 100);
    mac_make(mac, VSWITCH_FDB_SIZE);
    send_frame(f, 3, mac_bcast, mac, T0 + 101);

    assert_ptr_equal(vswitch_lookup(&f->sw, mac, T0 + 101), &f->ports[3]);
    for (i = 0; i < VSWITCH_FDB_SIZE; i++) {
        struct vswitch_port *want = i == 1 ? NULL : &f->ports[i % 4];

        mac_make(mac, i);
        assert_ptr_equal(vswitch_lookup(&f->sw, mac, T0 + 101), want);
    }
}

static void test_runt_dropped(void **state)
{
    struct fixture *f = *state;

    send_len(f, 0, mac_bcast, mac_a, 13, T0);
    expect_out(f, 0);
    send_len(f, 1, mac_a, mac_b, 0, T0);
    expect_out(f, 0);
    assert_null(vswitch_lookup(&f->sw, mac_a, T0));
    assert_int_equal(f->ports[0].rx_frames, 0);
    /* A bare header is enough. */
    send_len(f, 0, mac_bcast, mac_a, 14, T0);
    expect_out(f, 0xe);
    assert_ptr_equal(vswitch_lookup(&f->sw, mac_a, T0), &f->ports[0]);
}

static void test_add_port_full(void **state)
{
    struct fixture *f = *state;
    struct vswitch_port extra = {.deliver = record, .ctx = f};

    assert_int_equal(f->sw.nr_ports, VSWITCH_MAX_PORTS);
    assert_int_equal(vswitch_add_port(&f->sw, &extra), -HV_ENOSPC);
    assert_int_equal(f->sw.nr_ports, VSWITCH_MAX_PORTS);
    send_frame(f, 0, mac_bcast, mac_a, T0);
    assert_int_equal(f->nr_sent, VSWITCH_MAX_PORTS - 1);
}

static void expect_counters(const struct vswitch_port *p, uint64_t rx,
                            uint64_t tx, uint64_t flooded)
{
    assert_int_equal(p->rx_frames, rx);
    assert_int_equal(p->tx_frames, tx);
    assert_int_equal(p->tx_flooded, flooded);
}

static void test_counters(void **state)
{
    struct fixture *f = *state;
    const struct vswitch_port *p = f->ports;

    send_frame(f, 0, mac_b, mac_a, T0);  /* floods to 1, 2, 3 */
    send_frame(f, 1, mac_a, mac_b, T0);  /* to 0 */
    send_frame(f, 1, mac_a, mac_b, T0);  /* to 0 */
    send_frame(f, 2, mac_b, mac_a, T0);  /* a moves to 2; to 1 */
    send_frame(f, 2, mac_b, mac_b, T0);  /* b moves to 2; dropped */
    send_len(f, 3, mac_a, mac_c, 5, T0); /* runt */

    /* rx, tx, of which flooded */
    expect_counters(&p[0], 1, 2, 0);
    expect_counters(&p[1], 2, 2, 1);
    expect_counters(&p[2], 2, 1, 1);
    expect_counters(&p[3], 0, 1, 1);
}

/* A deliver that looks the switch up, as a port might to answer ARP. */
static void deliver_lookup(struct vswitch_port *p, const void *frame,
                           uint32_t len, const struct net_meta *m)
{
    struct fixture *f = p->ctx;

    /* Fail rather than hang if the hook runs with the lock held. */
    if (spin_is_locked(&f->sw.lock)) {
        fail_msg("deliver called with sw->lock held");
    }
    assert_ptr_equal(vswitch_lookup(&f->sw, mac_a, T0), &f->ports[0]);
    record(p, frame, len, m);
}

static void test_deliver_unlocked(void **state)
{
    struct fixture *f = *state;
    unsigned int i;

    for (i = 0; i < 4; i++) {
        f->ports[i].deliver = deliver_lookup;
    }
    send_expect(f, 0, mac_bcast, mac_a, T0, 0xe);
    send_expect(f, 2, mac_a, mac_b, T0, 0x1);
}

static void test_flood_eight_ports(void **state)
{
    struct fixture *f = *state;

    send_frame(f, 5, mac_bcast, mac_a, T0);
    assert_int_equal(f->nr_sent, 7);
    expect_out(f, 0xdf);
    send_expect(f, 0, mac_c, mac_b, T0, 0xfe);
}

/*
 * Offloads. The frames are Ethernet + IPv4 (no options) + TCP (no
 * options) from mac_a, built by tcp4_build and checked with a checksum
 * written here (16-bit words, folded as it goes), independent of the one
 * in net_offload.c.
 */
#define L4_OFF 34   /* TCP header: Ethernet 14 + IPv4 20 */
#define HDRS_LEN 54 /* all headers: + TCP 20 */
#define TCP_CSUM_FIELD 16
#define MSS 1448
#define GSO_PAYLOAD 10240
#define SEQ0 0xffffe000U /* segments' sequence numbers wrap */
#define IP_ID0 0xfffe    /* and the IPv4 id past 0xffff */
#define TCPF_FIN 0x01
#define TCPF_PSH 0x08
#define TCPF_ACK 0x10

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* Folds a sum of 16-bit words to 16 bits with end-around carries. */
static uint32_t fold16(uint32_t acc)
{
    while (acc > 0xffff) {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    return acc;
}

/* Adds n bytes, as big-endian 16-bit words (an odd last byte padded with
 * zero), to the ones' complement sum acc: the folded result. */
static uint32_t sum16(uint32_t acc, const uint8_t *p, uint32_t n)
{
    uint32_t i;

    acc = fold16(acc);
    for (i = 0; i < n; i += 2) {
        acc = fold16(acc + ((uint32_t)p[i] << 8 | (i + 1 < n ? p[i + 1] : 0)));
    }
    return acc;
}

/* The TCP pseudo header's sum for a frame whose TCP segment is tcplen
 * bytes. */
static uint32_t pseudo_sum(const uint8_t *frame, uint32_t tcplen)
{
    /* addresses, then protocol and length */
    return fold16(sum16(0, frame + 14 + 12, 8) + 6 + tcplen);
}

/* Builds a TCP/IPv4 frame with `payload` bytes of payload (a pattern that
 * does not repeat every MSS bytes) and TCP flags tflags in buf. partial:
 * the TCP checksum field holds the pseudo header's sum, to be completed
 * (NEEDS_CSUM, as a guest sends it); else the checksum is complete.
 * Returns the frame's length. */
static uint32_t tcp4_build(uint8_t *buf, const uint8_t *dst, uint32_t payload,
                           uint8_t tflags, bool partial)
{
    static const uint8_t ips[8] = {10, 0, 0, 1, 10, 0, 0, 2};
    uint8_t *ip = buf + 14, *tcp = buf + L4_OFF;
    uint32_t len = HDRS_LEN + payload;
    uint32_t i, acc;

    memset(buf, 0, HDRS_LEN);
    memcpy(buf, dst, 6);
    memcpy(buf + 6, mac_a, 6);
    put16(buf + 12, 0x0800);
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)(len - 14));
    put16(ip + 4, IP_ID0);
    put16(ip + 6, 0x4000); /* DF */
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, ips, 8);
    put16(ip + 10, (uint16_t)~sum16(0, ip, 20));
    put16(tcp, 40000);
    put16(tcp + 2, 5201);
    put16(tcp + 4, (uint16_t)(SEQ0 >> 16));
    put16(tcp + 6, (uint16_t)SEQ0);
    put16(tcp + 8, 0x0102);
    put16(tcp + 10, 0x0304);
    tcp[12] = 5 << 4;
    tcp[13] = tflags;
    put16(tcp + 14, 0xffff);
    for (i = 0; i < payload; i++) {
        buf[HDRS_LEN + i] = (uint8_t)(i * 7 + (i >> 8) * 3);
    }
    acc = pseudo_sum(buf, len - L4_OFF);
    if (partial) {
        put16(tcp + TCP_CSUM_FIELD, (uint16_t)acc);
    } else {
        put16(tcp + TCP_CSUM_FIELD, (uint16_t)~sum16(acc, tcp, len - L4_OFF));
    }
    return len;
}

/* frame (len bytes) is a TCP/IPv4 frame with every length and checksum
 * right. */
static void tcp4_expect_valid(const uint8_t *frame, uint32_t len)
{
    assert_true(len >= HDRS_LEN);
    assert_int_equal(get16(frame + 14 + 2), len - 14);
    assert_int_equal(sum16(0, frame + 14, 20), 0xffff);
    assert_int_equal(
        sum16(pseudo_sum(frame, len - L4_OFF), frame + L4_OFF, len - L4_OFF),
        0xffff);
}

/* The request of a partial-checksum TCP/IPv4 frame, and of a GSO one. */
static const struct net_meta meta_csum = {
    .flags = NET_META_NEEDS_CSUM,
    .csum_start = L4_OFF,
    .csum_offset = TCP_CSUM_FIELD,
};
static const struct net_meta meta_gso = {
    .flags = NET_META_NEEDS_CSUM,
    .gso_type = NET_GSO_TCPV4,
    .hdr_len = HDRS_LEN,
    .gso_size = MSS,
    .csum_start = L4_OFF,
    .csum_offset = TCP_CSUM_FIELD,
};

/* Sends frame with request m in on port `in`, forgetting earlier frames,
 * and checks that the switch did not write to it. */
static void send_meta(struct fixture *f, unsigned int in, const uint8_t *frame,
                      uint32_t len, const struct net_meta *m)
{
    uint8_t *copy = malloc(len);

    assert_non_null(copy);
    memcpy(copy, frame, len);
    assert_int_equal(net_meta_check(m, frame, len), 0); /* the contract */
    f->nr_sent = 0;
    vswitch_input(&f->sw, &f->ports[in], frame, len, m, T0);
    assert_memory_equal(frame, copy, len);
    free(copy);
}

/* Puts the frames port `port` got from the last send in got, in order;
 * returns their number. */
static unsigned int sent_to(struct fixture *f, unsigned int port,
                            struct sent **got, unsigned int max)
{
    unsigned int i, n = 0;

    for (i = 0; i < f->nr_sent; i++) {
        if (f->sent[i].port == &f->ports[port]) {
            assert_true(n < max);
            got[n++] = &f->sent[i];
        }
    }
    return n;
}

/* Port `port` got exactly frame (len bytes) with request m, once. */
static void expect_as_is(struct fixture *f, unsigned int port,
                         const uint8_t *frame, uint32_t len,
                         const struct net_meta *m)
{
    struct sent *got[MAX_SENT];

    assert_int_equal(sent_to(f, port, got, MAX_SENT), 1);
    assert_int_equal(got[0]->len, len);
    assert_memory_equal(got[0]->frame, frame, len);
    expect_meta(&got[0]->meta, m);
}

/* Port `port` got partial-checksum frame (len bytes) once, as a plain
 * frame: the same bytes but a complete TCP checksum. */
static void expect_completed(struct fixture *f, unsigned int port,
                             const uint8_t *frame, uint32_t len)
{
    struct sent *got[MAX_SENT];
    const uint32_t field = L4_OFF + TCP_CSUM_FIELD;

    assert_int_equal(sent_to(f, port, got, MAX_SENT), 1);
    assert_int_equal(got[0]->len, len);
    expect_meta(&got[0]->meta, &plain);
    assert_memory_equal(got[0]->frame, frame, field);
    assert_memory_equal(got[0]->frame + field + 2, frame + field + 2,
                        len - field - 2);
    tcp4_expect_valid(got[0]->frame, len);
}

/* Port `port` got GSO frame (len bytes, request meta_gso) as plain
 * segments of at most MSS payload bytes: every checksum valid, the
 * headers the frame's but for lengths, ids, sequence numbers and FIN/PSH
 * (on the last only), and the payload whole and in order. */
static void expect_segments(struct fixture *f, unsigned int port,
                            const uint8_t *frame, uint32_t len)
{
    struct sent *got[MAX_SENT];
    uint32_t payload = len - HDRS_LEN;
    unsigned int n = sent_to(f, port, got, MAX_SENT);
    unsigned int i;
    uint32_t off = 0;

    assert_int_equal(n, (payload + MSS - 1) / MSS);
    for (i = 0; i < n; i++) {
        const uint8_t *seg = got[i]->frame;
        uint32_t chunk = payload - off < MSS ? payload - off : MSS;
        uint8_t tflags = frame[L4_OFF + 13];

        if (i + 1 < n) {
            tflags &= (uint8_t) ~(TCPF_FIN | TCPF_PSH);
        }
        assert_int_equal(got[i]->len, HDRS_LEN + chunk);
        expect_meta(&got[i]->meta, &plain);
        tcp4_expect_valid(seg, got[i]->len);
        assert_memory_equal(seg, frame, 14 + 2); /* to 'len' */
        assert_int_equal(get16(seg + 14 + 4), (uint16_t)(IP_ID0 + i));
        assert_memory_equal(seg + 14 + 6, frame + 14 + 6, 4); /* to csum */
        assert_memory_equal(seg + 14 + 12, frame + 14 + 12, 8 + 4);
        assert_int_equal(get32(seg + L4_OFF + 4), SEQ0 + off);
        assert_memory_equal(seg + L4_OFF + 8, frame + L4_OFF + 8, 5);
        assert_int_equal(seg[L4_OFF + 13], tflags);
        assert_memory_equal(seg + L4_OFF + 14, frame + L4_OFF + 14, 2);
        assert_memory_equal(seg + L4_OFF + 18, frame + L4_OFF + 18, 2);
        assert_memory_equal(seg + HDRS_LEN, frame + HDRS_LEN + off, chunk);
        off += chunk;
    }
    assert_int_equal(off, payload);
}

/* A frame without a request reaches every port as it is, whatever the
 * port takes, with nothing fixed up. */
static void test_plain_meta_to_all(void **state)
{
    struct fixture *f = *state;
    static uint8_t frame[NET_MAX_FRAME];
    uint32_t len = tcp4_build(frame, mac_b, 1000, TCPF_ACK, false);
    unsigned int i;

    f->ports[1].offloads = NET_OFF_CSUM | NET_OFF_TSO4 | NET_OFF_TSO6;
    f->ports[2].offloads = NET_OFF_CSUM;
    send_meta(f, 0, frame, len, &plain);
    assert_int_equal(f->nr_sent, 3);
    for (i = 1; i < 4; i++) {
        expect_as_is(f, i, frame, len, &plain);
        assert_int_equal(f->ports[i].tx_soft, 0);
    }
}

/* NEEDS_CSUM: as it is to a port with checksum offload, completed for the
 * others (TSO alone is not checksum offload), flooded or not. */
static void test_csum_offload(void **state)
{
    struct fixture *f = *state;
    static uint8_t frame[NET_MAX_FRAME];
    /* An odd length: the last byte is summed alone. */
    uint32_t len = tcp4_build(frame, mac_b, 101, TCPF_ACK | TCPF_PSH, true);

    f->ports[1].offloads = NET_OFF_CSUM;
    f->ports[3].offloads = NET_OFF_TSO4 | NET_OFF_TSO6;
    send_meta(f, 0, frame, len, &meta_csum);
    assert_int_equal(f->nr_sent, 3);
    expect_as_is(f, 1, frame, len, &meta_csum);
    expect_completed(f, 2, frame, len);
    expect_completed(f, 3, frame, len);
    assert_int_equal(f->ports[1].tx_soft, 0);
    assert_int_equal(f->ports[2].tx_soft, 1);
    assert_int_equal(f->ports[3].tx_soft, 1);

    /* To b, learned on port 2 (no offloads): completed there only. */
    send_frame(f, 2, mac_bcast, mac_b, T0);
    send_meta(f, 0, frame, len, &meta_csum);
    assert_int_equal(f->nr_sent, 1);
    expect_completed(f, 2, frame, len);
    assert_int_equal(f->ports[2].tx_soft, 2);

    /* No payload at all. */
    len = tcp4_build(frame, mac_b, 0, TCPF_ACK, true);
    send_meta(f, 0, frame, len, &meta_csum);
    expect_completed(f, 2, frame, len);
}

/* A GSO frame: whole to a port with checksum and TSO4 offload, segments
 * to one with only one of the two, when flooded; segments when unicast to
 * a port without offloads. */
static void test_gso_offload(void **state)
{
    struct fixture *f = *state;
    static uint8_t frame[NET_MAX_GSO_FRAME];
    uint32_t len =
        tcp4_build(frame, mac_b, GSO_PAYLOAD, TCPF_ACK | TCPF_PSH, true);

    f->ports[1].offloads = NET_OFF_CSUM | NET_OFF_TSO4;
    f->ports[2].offloads = NET_OFF_CSUM | NET_OFF_TSO6;
    f->ports[3].offloads = NET_OFF_TSO4;
    send_meta(f, 0, frame, len, &meta_gso);
    assert_int_equal(f->nr_sent, 1 + 2 * ((GSO_PAYLOAD + MSS - 1) / MSS));
    expect_as_is(f, 1, frame, len, &meta_gso);
    expect_segments(f, 2, frame, len);
    expect_segments(f, 3, frame, len);
    /* tx_soft counts frames, not segments. */
    assert_int_equal(f->ports[1].tx_soft, 0);
    assert_int_equal(f->ports[2].tx_soft, 1);
    assert_int_equal(f->ports[3].tx_soft, 1);

    f->ports[2].offloads = 0;
    send_frame(f, 2, mac_bcast, mac_b, T0);
    len = tcp4_build(frame, mac_b, GSO_PAYLOAD, TCPF_ACK | TCPF_FIN, true);
    send_meta(f, 0, frame, len, &meta_gso);
    assert_int_equal(f->nr_sent, (GSO_PAYLOAD + MSS - 1) / MSS);
    expect_segments(f, 2, frame, len);
    assert_int_equal(f->ports[2].tx_soft, 2);

    /* A payload of exactly 2 * MSS: two full segments. */
    len = tcp4_build(frame, mac_b, 2 * MSS, TCPF_ACK, true);
    send_meta(f, 0, frame, len, &meta_gso);
    assert_int_equal(f->nr_sent, 2);
    expect_segments(f, 2, frame, len);
}

/* DATA_VALID only reaches ports with checksum offload; it does not make
 * the switch touch the frame. */
static void test_data_valid(void **state)
{
    struct fixture *f = *state;
    static const struct net_meta valid = {.flags = NET_META_DATA_VALID};
    struct net_meta both = meta_csum;
    static uint8_t frame[NET_MAX_FRAME];
    uint32_t len = tcp4_build(frame, mac_b, 200, TCPF_ACK, false);

    f->ports[1].offloads = NET_OFF_CSUM;
    f->ports[3].offloads = NET_OFF_TSO4 | NET_OFF_TSO6;
    send_meta(f, 0, frame, len, &valid);
    assert_int_equal(f->nr_sent, 3);
    expect_as_is(f, 1, frame, len, &valid);
    expect_as_is(f, 2, frame, len, &plain);
    expect_as_is(f, 3, frame, len, &plain);

    /* With NEEDS_CSUM too: both flags, or neither and the checksum
     * completed. */
    both.flags |= NET_META_DATA_VALID;
    len = tcp4_build(frame, mac_b, 200, TCPF_ACK, true);
    send_meta(f, 0, frame, len, &both);
    expect_as_is(f, 1, frame, len, &both);
    expect_completed(f, 2, frame, len);
    expect_completed(f, 3, frame, len);
}

#define SWITCH_TEST(fn, setup)                                                 \
    cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        SWITCH_TEST(test_flood_unknown_unicast, setup4),
        SWITCH_TEST(test_flood_broadcast, setup4),
        SWITCH_TEST(test_flood_multicast, setup4),
        SWITCH_TEST(test_learn_then_unicast, setup4),
        SWITCH_TEST(test_no_echo_to_input, setup4),
        SWITCH_TEST(test_mac_moves, setup4),
        SWITCH_TEST(test_aging, setup4),
        SWITCH_TEST(test_group_source_not_learned, setup4),
        SWITCH_TEST(test_full_table_replaces_oldest, setup4),
        SWITCH_TEST(test_runt_dropped, setup4),
        SWITCH_TEST(test_add_port_full, setup8),
        SWITCH_TEST(test_counters, setup4),
        SWITCH_TEST(test_deliver_unlocked, setup4),
        SWITCH_TEST(test_flood_eight_ports, setup8),
        SWITCH_TEST(test_plain_meta_to_all, setup4),
        SWITCH_TEST(test_csum_offload, setup4),
        SWITCH_TEST(test_gso_offload, setup4),
        SWITCH_TEST(test_data_valid, setup4),
    };

    return cmocka_run_group_tests_name("vswitch", tests, NULL, NULL);
}
