/* SPDX-License-Identifier: MIT */
/*
 * Tests of drivers/net/net_offload.c: checksum completion, TCP segmentation
 * of IPv4 and IPv6 GSO frames, and net_meta_check against each kind of bad
 * request. Frames are built here field by field, and every checksum is
 * checked against ref_csum, a plain byte-by-byte RFC 1071 sum over a copy
 * with an explicit pseudo header, independent of the code under test.
 */
#include "harness.h"

#include <drivers/net_offload.h>
#include <hv/errno.h>

#define ETH_HLEN 14
#define IP4_HLEN 20
#define IP6_HLEN 40
#define TCP_HLEN 20
#define TCP_OPT_HLEN 32 /* with NOP, NOP, timestamp */
#define UDP_HLEN 8
#define MSS 1448  /* IPv4, TCP timestamps: 1500 - 20 - 32 */
#define MSS6 1428 /* IPv6, TCP timestamps: 1500 - 40 - 32 */
#define MAX_SEGS 64

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_CWR 0x80

/* What build_frame makes. */
struct frame_spec {
    bool ipv6;
    bool udp;              /* UDP instead of TCP (IPv4 only) */
    unsigned int ip_opts;  /* IPv4 option bytes, a multiple of 4 */
    unsigned int tcp_hlen; /* 20 to 60, a multiple of 4 */
    uint32_t payload;
    uint32_t seq;
    uint16_t ip_id;
    uint8_t tcp_flags;
};

/* A built frame and its layout. */
struct frame {
    uint8_t *buf;
    uint32_t len;
    uint32_t l4;   /* TCP/UDP header offset */
    uint32_t hlen; /* all headers */
};

/* What the emit callback saw: n segments, the first MAX_SEGS kept. */
struct segs {
    unsigned int n;
    uint8_t seg[MAX_SEGS][NET_MAX_FRAME];
    uint32_t len[MAX_SEGS];
};

static const uint8_t eth_hdr[12] = {0x02, 0, 0, 0, 0, 0x0b,
                                    0x02, 0, 0, 0, 0, 0x0a};

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v);
}

static uint32_t get16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
    return get16(p) << 16 | get16(p + 2);
}

/* Payload byte i: a pattern that does not repeat with any small period. */
static uint8_t pattern(uint32_t i)
{
    return (uint8_t)(i * 131 + (i >> 8) * 7 + 3);
}

/* The reference: one byte at a time, even offsets high, odd offsets low,
 * carries folded in at every step. */
static uint32_t ref_sum(uint32_t sum, const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        sum += (i % 2 == 0) ? (uint32_t)p[i] << 8 : p[i];
        if (sum > 0xffff) {
            sum = (sum & 0xffff) + 1;
        }
    }
    return sum;
}

static uint32_t ref_csum(const uint8_t *p, size_t n)
{
    return ~ref_sum(0, p, n) & 0xffff;
}

/*
 * The TCP or UDP checksum of the datagram in frame (IP header at 14, L4
 * header at l4, to len) computed over pseudo header + L4 bytes copied into
 * one buffer, with the checksum field (at l4 + csum_off) taken as zero.
 */
static uint32_t ref_l4_csum(const uint8_t *frame, uint32_t len, uint32_t l4,
                            uint32_t csum_off, bool ipv6)
{
    const uint8_t *ip = frame + ETH_HLEN;
    uint32_t l4len = len - l4;
    uint8_t *buf = calloc(1, 40 + l4len);
    size_t plen;
    uint32_t c;

    assert_non_null(buf);
    if (ipv6) {
        memcpy(buf, ip + 8, 32); /* source, destination */
        put32(buf + 32, l4len);
        buf[39] = ip[6]; /* next header, after 3 zero bytes */
        plen = 40;
    } else {
        memcpy(buf, ip + 12, 8);
        buf[9] = ip[9]; /* protocol, after a zero byte */
        put16(buf + 10, l4len);
        plen = 12;
    }
    memcpy(buf + plen, frame + l4, l4len);
    buf[plen + csum_off] = 0;
    buf[plen + csum_off + 1] = 0;
    c = ref_csum(buf, plen + l4len);
    free(buf);
    return c;
}

/* The pseudo-header sum a sender leaves in the field with NEEDS_CSUM:
 * folded, not complemented. */
static uint32_t pseudo_seed(const uint8_t *frame, uint32_t len, uint32_t l4,
                            bool ipv6)
{
    const uint8_t *ip = frame + ETH_HLEN;
    uint8_t ph[40] = {0};
    size_t n;

    if (ipv6) {
        memcpy(ph, ip + 8, 32);
        put32(ph + 32, len - l4);
        ph[39] = ip[6];
        n = 40;
    } else {
        memcpy(ph, ip + 12, 8);
        ph[9] = ip[9];
        put16(ph + 10, len - l4);
        n = 12;
    }
    return ref_sum(0, ph, n);
}

/* Builds the frame spec describes in a buffer of exactly its length (so
 * ASan sees any read past it), with a valid IPv4 header checksum and the
 * pseudo-header sum in the L4 checksum field, as a guest sends it. */
static struct frame build_frame(const struct frame_spec *s)
{
    unsigned int tcp_hlen = s->tcp_hlen ? s->tcp_hlen : TCP_HLEN;
    unsigned int l4_hlen = s->udp ? UDP_HLEN : tcp_hlen;
    unsigned int ip_hlen = s->ipv6 ? IP6_HLEN : IP4_HLEN + s->ip_opts;
    struct frame f;
    uint8_t *ip, *l4;
    uint32_t i;

    f.l4 = ETH_HLEN + ip_hlen;
    f.hlen = f.l4 + l4_hlen;
    f.len = f.hlen + s->payload;
    f.buf = calloc(1, f.len);
    assert_non_null(f.buf);
    memcpy(f.buf, eth_hdr, sizeof(eth_hdr));
    put16(f.buf + 12, s->ipv6 ? 0x86dd : 0x0800);
    ip = f.buf + ETH_HLEN;
    if (s->ipv6) {
        put32(ip, 0x60012345); /* version, traffic class, flow label */
        put16(ip + 4, f.len - f.l4);
        ip[6] = 6;
        ip[7] = 64;
        for (i = 0; i < 32; i++) {
            ip[8 + i] = (uint8_t)(0x20 + i * 5);
        }
    } else {
        ip[0] = (uint8_t)(0x40 | ip_hlen / 4);
        ip[1] = 0x02; /* ECT(0): kept as is */
        put16(ip + 2, f.len - ETH_HLEN);
        put16(ip + 4, s->ip_id);
        put16(ip + 6, 0x4000); /* DF */
        ip[8] = 64;
        ip[9] = s->udp ? 17 : 6;
        put32(ip + 12, 0x0a000001);
        put32(ip + 16, 0xc0a8fe02);
        for (i = 0; i < s->ip_opts; i++) {
            ip[IP4_HLEN + i] = 0x01; /* NOP */
        }
        if (s->ip_opts) {
            ip[ip_hlen - 1] = 0x00; /* end of options */
        }
        put16(ip + 10, ref_csum(ip, ip_hlen));
    }
    l4 = f.buf + f.l4;
    put16(l4, 40000);
    put16(l4 + 2, 443);
    if (s->udp) {
        put16(l4 + 4, f.len - f.l4);
        put16(l4 + 6, pseudo_seed(f.buf, f.len, f.l4, false));
    } else {
        put32(l4 + 4, s->seq);
        put32(l4 + 8, 0x11223344);
        l4[12] = (uint8_t)(tcp_hlen / 4 << 4);
        l4[13] = s->tcp_flags;
        put16(l4 + 14, 0xfaf0);
        put16(l4 + 18, 0);
        for (i = TCP_HLEN; i < tcp_hlen; i++) {
            l4[i] = 0x01;
        }
        if (tcp_hlen >= TCP_HLEN + 12) {
            l4[22] = 8; /* timestamp option */
            l4[23] = 10;
            put32(l4 + 24, 0xdeadbeef);
            put32(l4 + 28, 0x01020304);
        }
        put16(l4 + 16, pseudo_seed(f.buf, f.len, f.l4, s->ipv6));
    }
    for (i = 0; i < s->payload; i++) {
        f.buf[f.hlen + i] = pattern(i);
    }
    return f;
}

/* The meta a guest sends with a TCP frame: GSO with gso_size when it is
 * not 0, checksum left to the receiver. */
static struct net_meta tcp_meta(const struct frame_spec *s,
                                const struct frame *f, uint16_t gso_size)
{
    struct net_meta m = {
        .flags = NET_META_NEEDS_CSUM,
        .hdr_len = (uint16_t)f->hlen,
        .gso_size = gso_size,
        .csum_start = (uint16_t)f->l4,
        .csum_offset = 16,
    };

    if (gso_size != 0) {
        m.gso_type = s->ipv6 ? NET_GSO_TCPV6 : NET_GSO_TCPV4;
    }
    return m;
}

static void record(void *ctx, const uint8_t *seg, uint32_t len)
{
    struct segs *out = ctx;

    assert_in_range(len, 1, NET_MAX_FRAME);
    if (out->n < MAX_SEGS) {
        memcpy(out->seg[out->n], seg, len);
        out->len[out->n] = len;
    }
    out->n++;
}

/* Runs a checksum completion on f and compares with the reference. */
static void check_csum_complete(const struct frame_spec *s, struct frame *f,
                                uint32_t csum_off)
{
    struct net_meta m = {
        .flags = NET_META_NEEDS_CSUM,
        .csum_start = (uint16_t)f->l4,
        .csum_offset = (uint16_t)csum_off,
    };
    uint32_t want = ref_l4_csum(f->buf, f->len, f->l4, csum_off, s->ipv6);

    assert_int_equal(net_meta_check(&m, f->buf, f->len), 0);
    net_csum_complete(f->buf, f->len, &m);
    assert_int_equal(get16(f->buf + f->l4 + csum_off), want ? want : 0xffff);
    /* The receiver's check: everything sums to 0xffff. */
    assert_int_equal(ref_sum(pseudo_seed(f->buf, f->len, f->l4, s->ipv6),
                             f->buf + f->l4, f->len - f->l4),
                     0xffff);
}

static void test_csum_tcp4(void **state)
{
    struct frame_spec s = {.payload = 1000, .tcp_hlen = TCP_OPT_HLEN};
    struct frame f = build_frame(&s);

    check_csum_complete(&s, &f, 16);
    free(f.buf);
}

static void test_csum_tcp6(void **state)
{
    struct frame_spec s = {.ipv6 = true, .payload = 1234};
    struct frame f = build_frame(&s);

    check_csum_complete(&s, &f, 16);
    free(f.buf);
}

static void test_csum_udp4(void **state)
{
    struct frame_spec s = {.udp = true, .payload = 512};
    struct frame f = build_frame(&s);

    check_csum_complete(&s, &f, 6);
    free(f.buf);
}

static void test_csum_odd_length(void **state)
{
    static const uint32_t lens[] = {1, 3, 1001, 1439};
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(lens); i++) {
        struct frame_spec s4 = {.payload = lens[i]};
        struct frame_spec s6 = {.ipv6 = true, .payload = lens[i]};
        struct frame_spec su = {.udp = true, .payload = lens[i]};
        struct frame f4 = build_frame(&s4);
        struct frame f6 = build_frame(&s6);
        struct frame fu = build_frame(&su);

        check_csum_complete(&s4, &f4, 16);
        check_csum_complete(&s6, &f6, 16);
        check_csum_complete(&su, &fu, 6);
        free(f4.buf);
        free(f6.buf);
        free(fu.buf);
    }
}

/* Data summing to 0xffff gives a checksum of 0, which goes out as 0xffff
 * (UDP's "no checksum" is 0). */
static void test_csum_zero_stored_as_ffff(void **state)
{
    uint8_t frame[ETH_HLEN + 8] = {0};
    struct net_meta m = {
        .flags = NET_META_NEEDS_CSUM, .csum_start = ETH_HLEN, .csum_offset = 6};

    put16(frame + ETH_HLEN, 0x1234);
    put16(frame + ETH_HLEN + 2, 0xedcb);
    assert_int_equal(net_meta_check(&m, frame, sizeof(frame)), 0);
    net_csum_complete(frame, sizeof(frame), &m);
    assert_int_equal(get16(frame + ETH_HLEN + 6), 0xffff);
}

static void test_csum_not_needed(void **state)
{
    struct frame_spec s = {.payload = 100};
    struct frame f = build_frame(&s);
    struct net_meta m = {.csum_start = (uint16_t)f.l4, .csum_offset = 16};
    uint8_t *copy = malloc(f.len);

    assert_non_null(copy);
    memcpy(copy, f.buf, f.len);
    net_csum_complete(f.buf, f.len, &m);
    assert_memory_equal(f.buf, copy, f.len);
    free(copy);
    free(f.buf);
}

/*
 * Segments the frame s describes with gso_size and checks every segment
 * against the original: lengths, unchanged bytes, IPv4 id and checksum,
 * IPv6 payload length, TCP sequence numbers, flags and checksum, and the
 * payload put back together. Returns the number of segments.
 */
static unsigned int check_gso(const struct frame_spec *s, uint16_t gso_size)
{
    struct frame f = build_frame(s);
    struct net_meta m = tcp_meta(s, &f, gso_size);
    struct segs *out = calloc(1, sizeof(*out));
    uint8_t *scratch = malloc(NET_MAX_FRAME);
    uint8_t *payload = malloc(s->payload + 1);
    uint32_t want =
        s->payload == 0 ? 1 : (s->payload + gso_size - 1) / gso_size;
    uint32_t off = 0;
    unsigned int i;
    int ret;

    assert_non_null(out);
    assert_non_null(scratch);
    assert_non_null(payload);
    assert_int_equal(net_meta_check(&m, f.buf, f.len), 0);
    ret = net_gso_segment(f.buf, f.len, &m, scratch, record, out);
    assert_int_equal(ret, want);
    assert_int_equal(out->n, want);
    assert_true(out->n <= MAX_SEGS);
    for (i = 0; i < out->n; i++) {
        const uint8_t *seg = out->seg[i];
        const uint8_t *ip = seg + ETH_HLEN, *oip = f.buf + ETH_HLEN;
        const uint8_t *tcp = seg + f.l4, *otcp = f.buf + f.l4;
        uint32_t chunk = MIN(s->payload - off, (uint32_t)gso_size);
        uint8_t flags = s->tcp_flags;

        assert_int_equal(out->len[i], f.hlen + chunk);
        assert_memory_equal(seg, f.buf, ETH_HLEN);
        if (s->ipv6) {
            assert_memory_equal(ip, oip, 4);
            assert_int_equal(get16(ip + 4), out->len[i] - ETH_HLEN - IP6_HLEN);
            assert_memory_equal(ip + 6, oip + 6, IP6_HLEN - 6);
        } else {
            assert_memory_equal(ip, oip, 2);
            assert_int_equal(get16(ip + 2), out->len[i] - ETH_HLEN);
            assert_int_equal(get16(ip + 4), (s->ip_id + i) & 0xffff);
            assert_memory_equal(ip + 6, oip + 6, 4);
            assert_memory_equal(ip + 12, oip + 12, f.l4 - ETH_HLEN - 12);
            assert_int_equal(ref_sum(0, ip, f.l4 - ETH_HLEN), 0xffff);
        }
        assert_memory_equal(tcp, otcp, 4);
        assert_int_equal(get32(tcp + 4), (uint32_t)(s->seq + off));
        assert_memory_equal(tcp + 8, otcp + 8, 5);
        if (i + 1 < out->n) {
            flags &= (uint8_t) ~(TCP_FIN | TCP_PSH);
        }
        if (i > 0) {
            flags &= (uint8_t)~TCP_CWR;
        }
        assert_int_equal(tcp[13], flags);
        assert_memory_equal(tcp + 14, otcp + 14, 2);
        assert_memory_equal(tcp + 18, otcp + 18, f.hlen - f.l4 - 18);
        assert_int_equal(get16(tcp + 16),
                         ref_l4_csum(seg, out->len[i], f.l4, 16, s->ipv6));
        memcpy(payload + off, seg + f.hlen, chunk);
        off += chunk;
    }
    assert_int_equal(off, s->payload);
    assert_memory_equal(payload, f.buf + f.hlen, s->payload);
    free(payload);
    free(scratch);
    free(out);
    free(f.buf);
    return (unsigned int)ret;
}

#define ALL_FLAGS (TCP_ACK | TCP_PSH | TCP_FIN | TCP_CWR)

/* 65535-byte IPv4 datagram; id and sequence number wrap on the way. */
static void test_gso_v4_64k(void **state)
{
    struct frame_spec s = {
        .tcp_hlen = TCP_OPT_HLEN,
        .payload = 65535 - IP4_HLEN - TCP_OPT_HLEN,
        .seq = 0xffff8000,
        .ip_id = 0xfff0,
        .tcp_flags = ALL_FLAGS,
    };

    assert_int_equal(check_gso(&s, MSS), 46);
}

/* The largest IPv6 GSO frame (NET_MAX_GSO_FRAME bytes). */
static void test_gso_v6_64k(void **state)
{
    struct frame_spec s = {
        .ipv6 = true,
        .tcp_hlen = TCP_OPT_HLEN,
        .payload = NET_MAX_GSO_FRAME - ETH_HLEN - IP6_HLEN - TCP_OPT_HLEN,
        .seq = 0xfffff000,
        .tcp_flags = ALL_FLAGS,
    };

    assert_int_equal(check_gso(&s, MSS6), 46);
}

static void test_gso_exact_multiple(void **state)
{
    struct frame_spec s4 = {.payload = 10 * MSS, .tcp_flags = ALL_FLAGS};
    struct frame_spec s6 = {
        .ipv6 = true, .payload = 10 * MSS6, .tcp_flags = ALL_FLAGS};

    assert_int_equal(check_gso(&s4, MSS), 10);
    assert_int_equal(check_gso(&s6, MSS6), 10);
}

static void test_gso_not_multiple(void **state)
{
    struct frame_spec s4 = {.payload = 5001, .tcp_flags = ALL_FLAGS};
    struct frame_spec s6 = {
        .ipv6 = true, .payload = 5001, .tcp_flags = ALL_FLAGS};

    assert_int_equal(check_gso(&s4, MSS), 4);
    assert_int_equal(check_gso(&s6, MSS6), 4);
    /* Odd segment sizes, so that every segment's payload is odd. */
    assert_int_equal(check_gso(&s4, 999), 6);
}

/* One payload byte per segment: each one odd. */
static void test_gso_size_one(void **state)
{
    struct frame_spec s4 = {.payload = 33, .tcp_flags = ALL_FLAGS};
    struct frame_spec s6 = {
        .ipv6 = true, .payload = MAX_SEGS, .tcp_flags = ALL_FLAGS};

    assert_int_equal(check_gso(&s4, 1), 33);
    assert_int_equal(check_gso(&s6, 1), MAX_SEGS);
}

/* Smaller than one segment: one segment with every flag kept. */
static void test_gso_small(void **state)
{
    struct frame_spec s4 = {.payload = 100, .tcp_flags = ALL_FLAGS};
    struct frame_spec s6 = {
        .ipv6 = true, .payload = MSS6 - 1, .tcp_flags = ALL_FLAGS};

    assert_int_equal(check_gso(&s4, MSS), 1);
    assert_int_equal(check_gso(&s6, MSS6), 1);
}

/* No payload: one segment of headers only. */
static void test_gso_empty(void **state)
{
    struct frame_spec s4 = {.tcp_flags = ALL_FLAGS};
    struct frame_spec s6 = {
        .ipv6 = true, .tcp_hlen = TCP_OPT_HLEN, .tcp_flags = ALL_FLAGS};

    assert_int_equal(check_gso(&s4, MSS), 1);
    assert_int_equal(check_gso(&s6, MSS6), 1);
}

static void test_gso_ipv4_options(void **state)
{
    struct frame_spec s = {
        .ip_opts = 12, .payload = 20000, .seq = 7, .tcp_flags = ALL_FLAGS};
    struct frame_spec max = {
        .ip_opts = 40, .tcp_hlen = 60, .payload = 3000, .tcp_flags = TCP_ACK};

    assert_int_equal(check_gso(&s, MSS), 14);
    assert_int_equal(check_gso(&max, 1000), 3);
}

/* Headers + gso_size exactly NET_MAX_FRAME. */
static void test_gso_largest_segment(void **state)
{
    struct frame_spec s4 = {.payload = 4000};
    struct frame_spec s6 = {.ipv6 = true, .payload = 4000};

    assert_int_equal(
        check_gso(&s4, NET_MAX_FRAME - ETH_HLEN - IP4_HLEN - TCP_HLEN), 3);
    assert_int_equal(
        check_gso(&s6, NET_MAX_FRAME - ETH_HLEN - IP6_HLEN - TCP_HLEN), 3);
}

/* The incoming checksum fields are garbage: the output is still right. */
static void test_gso_ignores_checksums(void **state)
{
    struct frame_spec s = {.payload = 3000, .tcp_flags = TCP_ACK};
    struct frame f = build_frame(&s);
    struct net_meta m = tcp_meta(&s, &f, MSS);
    struct segs *out = calloc(1, sizeof(*out));
    uint8_t scratch[NET_MAX_FRAME];
    unsigned int i;

    assert_non_null(out);
    put16(f.buf + ETH_HLEN + 10, 0xdead);
    put16(f.buf + f.l4 + 16, 0xbeef);
    assert_int_equal(net_gso_segment(f.buf, f.len, &m, scratch, record, out),
                     3);
    for (i = 0; i < out->n; i++) {
        assert_int_equal(ref_sum(0, out->seg[i] + ETH_HLEN, IP4_HLEN), 0xffff);
        assert_int_equal(
            get16(out->seg[i] + f.l4 + 16),
            ref_l4_csum(out->seg[i], out->len[i], f.l4, 16, false));
    }
    free(out);
    free(f.buf);
}

/* A refused meta: -HV_EINVAL and nothing emitted. */
static void test_gso_bad_meta(void **state)
{
    struct frame_spec s = {.payload = 3000};
    struct frame f = build_frame(&s);
    struct net_meta good = tcp_meta(&s, &f, MSS);
    struct net_meta m;
    struct segs *out = calloc(1, sizeof(*out));
    uint8_t scratch[NET_MAX_FRAME];

    assert_non_null(out);
    m = good;
    m.gso_type = NET_GSO_TCPV6;
    assert_int_equal(net_gso_segment(f.buf, f.len, &m, scratch, record, out),
                     -HV_EINVAL);
    m = good;
    m.gso_size = 0;
    assert_int_equal(net_gso_segment(f.buf, f.len, &m, scratch, record, out),
                     -HV_EINVAL);
    m = good;
    m.flags = 0;
    assert_int_equal(net_gso_segment(f.buf, f.len, &m, scratch, record, out),
                     -HV_EINVAL);
    /* A valid plain meta is not something to segment either. */
    m = good;
    m.gso_type = NET_GSO_NONE;
    m.gso_size = 0;
    assert_int_equal(
        net_gso_segment(f.buf, f.len - 2000, &m, scratch, record, out),
        -HV_EINVAL);
    /* A frame that disagrees with a good meta. */
    assert_int_equal(
        net_gso_segment(f.buf, f.len - 1, &good, scratch, record, out),
        -HV_EINVAL);
    assert_int_equal(out->n, 0);
    free(out);
    free(f.buf);
}

/*
 * net_meta_check. Each test starts from a good GSO frame and meta and
 * breaks one thing.
 */

struct gso_case {
    struct frame_spec s;
    struct frame f;
    struct net_meta m;
};

static struct gso_case good_case(bool ipv6, uint32_t payload)
{
    struct gso_case c = {
        .s = {.ipv6 = ipv6, .tcp_hlen = TCP_OPT_HLEN, .payload = payload}};

    c.f = build_frame(&c.s);
    c.m = tcp_meta(&c.s, &c.f, ipv6 ? MSS6 : MSS);
    assert_int_equal(net_meta_check(&c.m, c.f.buf, c.f.len), 0);
    return c;
}

static int check(const struct gso_case *c)
{
    return net_meta_check(&c->m, c->f.buf, c->f.len);
}

static void test_meta_good_plain(void **state)
{
    struct net_meta m = {0};
    uint8_t *frame = calloc(1, NET_MAX_FRAME);
    uint32_t len;

    assert_non_null(frame);
    for (len = ETH_HLEN; len <= NET_MAX_FRAME; len += 100) {
        assert_int_equal(net_meta_check(&m, frame, len), 0);
    }
    assert_int_equal(net_meta_check(&m, frame, NET_MAX_FRAME), 0);
    m.flags = NET_META_DATA_VALID;
    assert_int_equal(net_meta_check(&m, frame, 60), 0);
    /* Offsets mean nothing without NEEDS_CSUM. */
    m.csum_start = 0xffff;
    m.csum_offset = 0xffff;
    assert_int_equal(net_meta_check(&m, frame, 60), 0);
    free(frame);
}

static void test_meta_good_csum(void **state)
{
    struct frame_spec s = {.payload = 500};
    struct frame f = build_frame(&s);
    struct net_meta m = tcp_meta(&s, &f, 0);

    assert_int_equal(net_meta_check(&m, f.buf, f.len), 0);
    m.flags |= NET_META_DATA_VALID;
    assert_int_equal(net_meta_check(&m, f.buf, f.len), 0);
    /* Non-GSO: any field inside the frame past the Ethernet header. */
    m.csum_start = ETH_HLEN;
    m.csum_offset = (uint16_t)(f.len - ETH_HLEN - 2);
    assert_int_equal(net_meta_check(&m, f.buf, f.len), 0);
    m.csum_start = (uint16_t)(f.len - 2);
    m.csum_offset = 0;
    assert_int_equal(net_meta_check(&m, f.buf, f.len), 0);
    free(f.buf);
}

static void test_meta_good_gso(void **state)
{
    struct gso_case v4 = good_case(false, 3000);
    struct gso_case v6 = good_case(true, 3000);
    struct gso_case empty = good_case(false, 0);

    /* hdr_len is only a hint. */
    v4.m.hdr_len = 0;
    assert_int_equal(check(&v4), 0);
    v6.m.hdr_len = 0xffff;
    assert_int_equal(check(&v6), 0);
    v4.m.flags |= NET_META_DATA_VALID;
    assert_int_equal(check(&v4), 0);
    assert_int_equal(check(&empty), 0);
    free(v4.f.buf);
    free(v6.f.buf);
    free(empty.f.buf);
}

static void test_meta_unknown_flags(void **state)
{
    struct gso_case c = good_case(false, 3000);
    struct net_meta plain = {0};
    unsigned int bit;

    for (bit = 2; bit < 8; bit++) {
        c.m.flags = (uint8_t)(NET_META_NEEDS_CSUM | 1u << bit);
        assert_int_equal(check(&c), -HV_EINVAL);
        plain.flags = (uint8_t)(1u << bit);
        assert_int_equal(net_meta_check(&plain, c.f.buf, 60), -HV_EINVAL);
    }
    free(c.f.buf);
}

static void test_meta_csum_outside_frame(void **state)
{
    struct frame_spec s = {.payload = 500};
    struct frame f = build_frame(&s);
    struct net_meta m = tcp_meta(&s, &f, 0);

    m.csum_offset = (uint16_t)(f.len - f.l4 - 1); /* last byte + 1 past */
    assert_int_equal(net_meta_check(&m, f.buf, f.len), -HV_EINVAL);
    m.csum_start = (uint16_t)f.len;
    m.csum_offset = 0;
    assert_int_equal(net_meta_check(&m, f.buf, f.len), -HV_EINVAL);
    /* Sums that would wrap in 16 bits. */
    m.csum_start = 0xffff;
    m.csum_offset = 0xffff;
    assert_int_equal(net_meta_check(&m, f.buf, f.len), -HV_EINVAL);
    m.csum_start = ETH_HLEN;
    m.csum_offset = 0xfffe;
    assert_int_equal(net_meta_check(&m, f.buf, f.len), -HV_EINVAL);
    free(f.buf);
}

static void test_meta_csum_in_eth_header(void **state)
{
    struct frame_spec s = {.payload = 500};
    struct frame f = build_frame(&s);
    struct net_meta m = tcp_meta(&s, &f, 0);
    uint16_t start;

    for (start = 0; start < ETH_HLEN; start++) {
        m.csum_start = start;
        m.csum_offset = (uint16_t)(f.l4 + 16 - start);
        assert_int_equal(net_meta_check(&m, f.buf, f.len), -HV_EINVAL);
    }
    free(f.buf);
}

static void test_meta_gso_ecn(void **state)
{
    struct gso_case c = good_case(false, 3000);

    c.m.gso_type |= NET_GSO_ECN;
    assert_int_equal(check(&c), -HV_EINVAL);
    free(c.f.buf);
}

static void test_meta_gso_unknown_type(void **state)
{
    static const uint8_t types[] = {2, 3, 5, 6, 0x40, 0xff};
    struct gso_case c = good_case(false, 3000);
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(types); i++) {
        c.m.gso_type = types[i];
        assert_int_equal(check(&c), -HV_EINVAL);
    }
    free(c.f.buf);
}

static void test_meta_gso_without_csum(void **state)
{
    struct gso_case c = good_case(true, 3000);

    c.m.flags = 0;
    assert_int_equal(check(&c), -HV_EINVAL);
    c.m.flags = NET_META_DATA_VALID;
    assert_int_equal(check(&c), -HV_EINVAL);
    free(c.f.buf);
}

static void test_meta_gso_size_zero(void **state)
{
    struct gso_case c = good_case(false, 0);

    c.m.gso_size = 0;
    assert_int_equal(check(&c), -HV_EINVAL);
    free(c.f.buf);
}

/* A frame may make NET_GSO_MAX_SEGS segments, not one more. */
static void test_meta_gso_too_many_segs(void **state)
{
    uint32_t payload = 16 * NET_GSO_MAX_SEGS;
    struct gso_case c = good_case(false, payload);

    c.m.gso_size = 16;
    assert_int_equal(check(&c), 0);
    c.m.gso_size = 15;
    assert_int_equal(check(&c), -HV_EINVAL);
    c.m.gso_size = 1;
    assert_int_equal(check(&c), -HV_EINVAL);
    free(c.f.buf);
}

/* The good IPv4 frame with an 802.1Q tag inserted after the MACs. */
static void test_meta_gso_vlan(void **state)
{
    struct gso_case c = good_case(false, 3000);
    uint32_t len = c.f.len + 4;
    uint8_t *tagged = malloc(len);
    struct net_meta m = c.m;

    assert_non_null(tagged);
    memcpy(tagged, c.f.buf, 12);
    put16(tagged + 12, 0x8100);
    put16(tagged + 14, 0x0005);
    memcpy(tagged + 16, c.f.buf + 12, c.f.len - 12);
    m.csum_start = (uint16_t)(m.csum_start + 4);
    assert_int_equal(net_meta_check(&m, tagged, len), -HV_EINVAL);
    /* Fine without GSO. */
    m.gso_type = NET_GSO_NONE;
    m.gso_size = 0;
    assert_int_equal(net_meta_check(&m, tagged, len - 2000), 0);
    free(tagged);
    free(c.f.buf);
}

static void test_meta_gso_ipv4_udp(void **state)
{
    struct frame_spec s = {.udp = true, .payload = 3000};
    struct frame f = build_frame(&s);
    struct net_meta m = {
        .flags = NET_META_NEEDS_CSUM,
        .gso_type = NET_GSO_TCPV4,
        .gso_size = MSS,
        .csum_start = (uint16_t)f.l4,
        .csum_offset = 16,
    };

    assert_int_equal(net_meta_check(&m, f.buf, f.len), -HV_EINVAL);
    /* The same with the protocol byte alone turned into UDP. */
    free(f.buf);
    {
        struct gso_case c = good_case(false, 3000);

        c.f.buf[ETH_HLEN + 9] = 17;
        assert_int_equal(check(&c), -HV_EINVAL);
        free(c.f.buf);
    }
}

static void test_meta_gso_version_mismatch(void **state)
{
    struct gso_case v4 = good_case(false, 3000);
    struct gso_case v6 = good_case(true, 3000);

    v6.m.gso_type = NET_GSO_TCPV4;
    assert_int_equal(check(&v6), -HV_EINVAL);
    v4.m.gso_type = NET_GSO_TCPV6;
    assert_int_equal(check(&v4), -HV_EINVAL);
    v4.m.gso_type = NET_GSO_TCPV4;
    v6.m.gso_type = NET_GSO_TCPV6;
    /* The EtherType and the version nibble must agree too. */
    v4.f.buf[ETH_HLEN] = 0x65;
    assert_int_equal(check(&v4), -HV_EINVAL);
    v6.f.buf[ETH_HLEN] = 0x40;
    assert_int_equal(check(&v6), -HV_EINVAL);
    v6.f.buf[ETH_HLEN] = 0x60;
    assert_int_equal(check(&v6), 0);
    put16(v6.f.buf + 12, 0x0800);
    assert_int_equal(check(&v6), -HV_EINVAL);
    free(v4.f.buf);
    free(v6.f.buf);
}

static void test_meta_gso_ihl_small(void **state)
{
    struct gso_case c = good_case(false, 3000);
    uint8_t ihl;

    for (ihl = 0; ihl < 5; ihl++) {
        c.f.buf[ETH_HLEN] = (uint8_t)(0x40 | ihl);
        assert_int_equal(check(&c), -HV_EINVAL);
    }
    free(c.f.buf);
}

/* An IHL that runs past the frame. */
static void test_meta_gso_ihl_past_end(void **state)
{
    struct gso_case c = good_case(false, 0);

    c.f.buf[ETH_HLEN] = 0x4f; /* 60 bytes of IPv4 header, 52 in the frame */
    c.m.csum_start = ETH_HLEN;
    c.m.csum_offset = 0;
    assert_int_equal(check(&c), -HV_EINVAL);
    free(c.f.buf);
}

static void test_meta_gso_ip_length(void **state)
{
    struct gso_case v4 = good_case(false, 3000);
    struct gso_case v6 = good_case(true, 3000);
    uint8_t *len4 = v4.f.buf + ETH_HLEN + 2, *len6 = v6.f.buf + ETH_HLEN + 4;
    uint32_t l4 = get16(len4), l6 = get16(len6);

    put16(len4, l4 - 1);
    assert_int_equal(check(&v4), -HV_EINVAL);
    put16(len4, l4 + 1);
    assert_int_equal(check(&v4), -HV_EINVAL);
    put16(len4, 0);
    assert_int_equal(check(&v4), -HV_EINVAL);
    put16(len6, l6 - 1);
    assert_int_equal(check(&v6), -HV_EINVAL);
    put16(len6, l6 + 1);
    assert_int_equal(check(&v6), -HV_EINVAL);
    put16(len6, 0); /* a jumbogram's */
    assert_int_equal(check(&v6), -HV_EINVAL);
    /* Trailing bytes (Ethernet padding) are refused for GSO as well. */
    put16(len4, l4);
    assert_int_equal(net_meta_check(&v4.m, v4.f.buf, v4.f.len - 1), -HV_EINVAL);
    free(v4.f.buf);
    free(v6.f.buf);
}

static void test_meta_gso_ipv6_next_header(void **state)
{
    struct gso_case c = good_case(true, 3000);

    c.f.buf[ETH_HLEN + 6] = 0; /* hop-by-hop options */
    assert_int_equal(check(&c), -HV_EINVAL);
    c.f.buf[ETH_HLEN + 6] = 17;
    assert_int_equal(check(&c), -HV_EINVAL);
    free(c.f.buf);
}

static void test_meta_gso_ipv4_fragment(void **state)
{
    struct gso_case c = good_case(false, 3000);
    uint8_t *frag = c.f.buf + ETH_HLEN + 6;

    put16(frag, 0x2000); /* MF */
    assert_int_equal(check(&c), -HV_EINVAL);
    put16(frag, 0x4001); /* DF, offset 8 */
    assert_int_equal(check(&c), -HV_EINVAL);
    put16(frag, 0x0000);
    assert_int_equal(check(&c), 0);
    free(c.f.buf);
}

static void test_meta_gso_tcp_doff(void **state)
{
    struct gso_case c = good_case(false, 3000);
    uint8_t *doff = c.f.buf + c.f.l4 + 12;
    uint8_t d;

    for (d = 0; d < 5; d++) {
        *doff = (uint8_t)(d << 4);
        assert_int_equal(check(&c), -HV_EINVAL);
    }
    free(c.f.buf);
}

/* A TCP header that does not fit in the frame. */
static void test_meta_gso_tcp_past_end(void **state)
{
    struct gso_case v4 = good_case(false, 0);
    struct gso_case v6 = good_case(true, 20);

    v4.f.buf[v4.f.l4 + 12] = 0x90; /* 36 bytes, 32 in the frame */
    assert_int_equal(check(&v4), -HV_EINVAL);
    v6.f.buf[v6.f.l4 + 12] = 0xf0; /* 60 bytes, 52 in the frame */
    assert_int_equal(check(&v6), -HV_EINVAL);
    free(v4.f.buf);
    free(v6.f.buf);
}

static void test_meta_gso_csum_not_tcp(void **state)
{
    struct gso_case c = good_case(false, 3000);

    c.m.csum_start = (uint16_t)(c.f.l4 + 4);
    c.m.csum_offset = 12;
    assert_int_equal(check(&c), -HV_EINVAL);
    c.m.csum_start = (uint16_t)c.f.l4;
    c.m.csum_offset = 6;
    assert_int_equal(check(&c), -HV_EINVAL);
    c.m.csum_offset = 16;
    assert_int_equal(check(&c), 0);
    free(c.f.buf);
}

static void test_meta_gso_segment_too_big(void **state)
{
    struct gso_case v4 = good_case(false, 3000);
    struct gso_case v6 = good_case(true, 3000);

    v4.m.gso_size = (uint16_t)(NET_MAX_FRAME - v4.f.hlen);
    assert_int_equal(check(&v4), 0);
    v4.m.gso_size++;
    assert_int_equal(check(&v4), -HV_EINVAL);
    v4.m.gso_size = 0xffff;
    assert_int_equal(check(&v4), -HV_EINVAL);
    v6.m.gso_size = (uint16_t)(NET_MAX_FRAME - v6.f.hlen + 1);
    assert_int_equal(check(&v6), -HV_EINVAL);
    free(v4.f.buf);
    free(v6.f.buf);
}

/* An IPv6 frame whose lengths agree but which is longer than
 * NET_MAX_GSO_FRAME. */
static void test_meta_gso_frame_too_big(void **state)
{
    struct gso_case c = good_case(true, NET_MAX_GSO_FRAME + 1 - ETH_HLEN -
                                            IP6_HLEN - TCP_OPT_HLEN - 1);
    struct frame_spec s = c.s;
    struct frame f;
    struct net_meta m;

    s.payload++;
    f = build_frame(&s);
    m = tcp_meta(&s, &f, MSS6);
    assert_int_equal(f.len, NET_MAX_GSO_FRAME + 1);
    assert_int_equal(net_meta_check(&m, f.buf, f.len), -HV_EINVAL);
    free(f.buf);
    free(c.f.buf);
}

static void test_meta_plain_too_big(void **state)
{
    struct frame_spec s = {.payload = NET_MAX_FRAME + 1 - ETH_HLEN - IP4_HLEN -
                                      TCP_HLEN};
    struct frame f = build_frame(&s);
    struct net_meta m = tcp_meta(&s, &f, 0);
    struct net_meta plain = {0};

    assert_int_equal(f.len, NET_MAX_FRAME + 1);
    assert_int_equal(net_meta_check(&m, f.buf, f.len), -HV_EINVAL);
    assert_int_equal(net_meta_check(&plain, f.buf, f.len), -HV_EINVAL);
    assert_int_equal(net_meta_check(&plain, f.buf, f.len - 1), 0);
    free(f.buf);
}

static void test_meta_short_frame(void **state)
{
    uint8_t frame[ETH_HLEN] = {0};
    struct net_meta m = {0};
    uint32_t len;

    for (len = 0; len < ETH_HLEN; len++) {
        assert_int_equal(net_meta_check(&m, frame, len), -HV_EINVAL);
    }
}

/*
 * Every truncation of a GSO frame short of the end of its headers, each in
 * a buffer of exactly that size so that ASan catches a read past it: with
 * the meta unchanged, with the checksum field moved to the front (so the
 * parser gets further), and with the IP length fixed up to agree. Cut at
 * the end of the headers, with the length fixed, it is a good frame with no
 * payload.
 */
static void check_truncations(bool ipv6, unsigned int ip_opts)
{
    struct frame_spec s = {
        .ipv6 = ipv6, .ip_opts = ip_opts, .tcp_hlen = 60, .payload = 100};
    struct frame f = build_frame(&s);
    struct net_meta good = tcp_meta(&s, &f, 1000);
    uint32_t len;

    for (len = ETH_HLEN; len <= f.hlen; len++) {
        uint8_t *t = malloc(len);
        struct net_meta m = good;
        int want = len < f.hlen ? -HV_EINVAL : 0;

        assert_non_null(t);
        memcpy(t, f.buf, len);
        assert_int_equal(net_meta_check(&m, t, len), -HV_EINVAL);
        m.csum_start = ETH_HLEN;
        m.csum_offset = 0;
        if (len >= ETH_HLEN + 2) {
            assert_int_equal(net_meta_check(&m, t, len), -HV_EINVAL);
        }
        if (ipv6 && len >= ETH_HLEN + 6) {
            put16(t + ETH_HLEN + 4, len - ETH_HLEN - IP6_HLEN);
        } else if (!ipv6 && len >= ETH_HLEN + 4) {
            put16(t + ETH_HLEN + 2, len - ETH_HLEN);
        }
        assert_int_equal(net_meta_check(&m, t, len), -HV_EINVAL);
        assert_int_equal(net_meta_check(&good, t, len), want);
        free(t);
    }
    free(f.buf);
}

static void test_meta_gso_truncated(void **state)
{
    check_truncations(false, 0);
    check_truncations(false, 40);
    check_truncations(true, 0);
}

/* Deterministic pseudo-random numbers (a 64-bit LCG's high bits). */
static uint32_t rnd(uint64_t *x)
{
    *x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(*x >> 33);
}

/*
 * Random mutations of good frames and metas, each in an exact-size buffer:
 * net_meta_check must not read outside it, and whatever it accepts with a
 * GSO type segments into valid segments.
 */
static void test_meta_random(void **state)
{
    uint64_t x = 0x5eed;
    struct segs *out = calloc(1, sizeof(*out));
    uint8_t scratch[NET_MAX_FRAME];
    unsigned int iter, accepted = 0;

    assert_non_null(out);
    for (iter = 0; iter < 4000; iter++) {
        struct frame_spec s = {.ipv6 = rnd(&x) & 1,
                               .tcp_hlen = 20 + (rnd(&x) % 11) * 4,
                               .payload = rnd(&x) % 3000};
        struct frame f;
        struct net_meta m;
        uint32_t len, k, nmut = rnd(&x) % 4;
        uint8_t *t;

        if (!s.ipv6) {
            s.ip_opts = (rnd(&x) % 11) * 4;
        }
        f = build_frame(&s);
        m = tcp_meta(&s, &f, (uint16_t)(1 + rnd(&x) % 1300));
        len = f.len;
        if (rnd(&x) % 4 == 0) {
            len = ETH_HLEN + rnd(&x) % (f.len - ETH_HLEN + 1);
        }
        t = malloc(len);
        assert_non_null(t);
        memcpy(t, f.buf, len);
        for (k = 0; k < nmut; k++) {
            uint32_t what = rnd(&x) % 8;

            if (what < 5) {
                t[rnd(&x) % MIN(len, f.hlen + 1)] = (uint8_t)rnd(&x);
            } else if (what == 5) {
                m.csum_start = (uint16_t)rnd(&x);
            } else if (what == 6) {
                m.csum_offset = (uint16_t)rnd(&x);
            } else {
                m.gso_size = (uint16_t)rnd(&x);
            }
        }
        if (net_meta_check(&m, t, len) == 0) {
            int n;

            accepted++;
            out->n = 0;
            n = net_gso_segment(t, len, &m, scratch, record, out);
            assert_true(n >= 1);
            assert_int_equal(out->n, n);
            for (k = 0; k < MIN(out->n, MAX_SEGS); k++) {
                uint32_t l4 = m.csum_start;

                if (m.gso_type == NET_GSO_TCPV4) {
                    assert_int_equal(
                        ref_sum(0, out->seg[k] + ETH_HLEN, l4 - ETH_HLEN),
                        0xffff);
                }
                assert_int_equal(get16(out->seg[k] + l4 + 16),
                                 ref_l4_csum(out->seg[k], out->len[k], l4, 16,
                                             m.gso_type == NET_GSO_TCPV6));
            }
        }
        free(t);
        free(f.buf);
    }
    /* Unmutated ones get through, so both paths ran. */
    assert_true(accepted > 100);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csum_tcp4),
        cmocka_unit_test(test_csum_tcp6),
        cmocka_unit_test(test_csum_udp4),
        cmocka_unit_test(test_csum_odd_length),
        cmocka_unit_test(test_csum_zero_stored_as_ffff),
        cmocka_unit_test(test_csum_not_needed),
        cmocka_unit_test(test_gso_v4_64k),
        cmocka_unit_test(test_gso_v6_64k),
        cmocka_unit_test(test_gso_exact_multiple),
        cmocka_unit_test(test_gso_not_multiple),
        cmocka_unit_test(test_gso_size_one),
        cmocka_unit_test(test_gso_small),
        cmocka_unit_test(test_gso_empty),
        cmocka_unit_test(test_gso_ipv4_options),
        cmocka_unit_test(test_gso_largest_segment),
        cmocka_unit_test(test_gso_ignores_checksums),
        cmocka_unit_test(test_gso_bad_meta),
        cmocka_unit_test(test_meta_good_plain),
        cmocka_unit_test(test_meta_good_csum),
        cmocka_unit_test(test_meta_good_gso),
        cmocka_unit_test(test_meta_unknown_flags),
        cmocka_unit_test(test_meta_csum_outside_frame),
        cmocka_unit_test(test_meta_csum_in_eth_header),
        cmocka_unit_test(test_meta_gso_ecn),
        cmocka_unit_test(test_meta_gso_unknown_type),
        cmocka_unit_test(test_meta_gso_without_csum),
        cmocka_unit_test(test_meta_gso_size_zero),
        cmocka_unit_test(test_meta_gso_too_many_segs),
        cmocka_unit_test(test_meta_gso_vlan),
        cmocka_unit_test(test_meta_gso_ipv4_udp),
        cmocka_unit_test(test_meta_gso_version_mismatch),
        cmocka_unit_test(test_meta_gso_ihl_small),
        cmocka_unit_test(test_meta_gso_ihl_past_end),
        cmocka_unit_test(test_meta_gso_ip_length),
        cmocka_unit_test(test_meta_gso_ipv6_next_header),
        cmocka_unit_test(test_meta_gso_ipv4_fragment),
        cmocka_unit_test(test_meta_gso_tcp_doff),
        cmocka_unit_test(test_meta_gso_tcp_past_end),
        cmocka_unit_test(test_meta_gso_csum_not_tcp),
        cmocka_unit_test(test_meta_gso_segment_too_big),
        cmocka_unit_test(test_meta_gso_frame_too_big),
        cmocka_unit_test(test_meta_plain_too_big),
        cmocka_unit_test(test_meta_short_frame),
        cmocka_unit_test(test_meta_gso_truncated),
        cmocka_unit_test(test_meta_random),
    };

    return cmocka_run_group_tests_name("net_offload", tests, NULL, NULL);
}
