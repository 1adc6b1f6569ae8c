/* SPDX-License-Identifier: MIT */
/*
 * Tests of drivers/net/vswitch.c: MAC learning, moving and aging, the
 * choice between one port, flooding and dropping, the counters, and that
 * the deliver hooks run without the switch's lock. Ports are fakes whose
 * deliver records each (port, frame copy, length) it is handed.
 */
#include "harness.h"

#include <drivers/vswitch.h>
#include <hv/errno.h>

#define MAX_SENT 32
#define FRAME_LEN 60
#define T0 1000000ULL

struct sent {
    struct vswitch_port *port;
    uint8_t frame[FRAME_LEN];
    uint32_t len;
};

struct fixture {
    struct vswitch sw;
    struct vswitch_port ports[VSWITCH_MAX_PORTS];
    struct sent sent[MAX_SENT];
    unsigned int nr_sent;
    uint8_t frame[FRAME_LEN]; /* the last frame send_len built */
    uint32_t len;
};

static const uint8_t mac_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t mac_mcast[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};
static const uint8_t mac_a[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0a};
static const uint8_t mac_b[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0b};
static const uint8_t mac_c[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

static void record(struct vswitch_port *p, const void *frame, uint32_t len)
{
    struct fixture *f = p->ctx;
    struct sent *s;

    assert_true(f->nr_sent < MAX_SENT);
    assert_true(len <= FRAME_LEN);
    s = &f->sent[f->nr_sent++];
    s->port = p;
    memcpy(s->frame, frame, len);
    s->len = len;
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
    vswitch_input(&f->sw, &f->ports[in], f->frame, len, now);
}

static void send_frame(struct fixture *f, unsigned int in, const uint8_t *dst,
                       const uint8_t *src, uint64_t now)
{
    send_len(f, in, dst, src, FRAME_LEN, now);
}

/* The last frame went out of exactly the ports in mask (bit i: port i),
 * once each, intact. */
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
                           uint32_t len)
{
    struct fixture *f = p->ctx;

    /* Fail rather than hang if the hook runs with the lock held. */
    if (spin_is_locked(&f->sw.lock)) {
        fail_msg("deliver called with sw->lock held");
    }
    assert_ptr_equal(vswitch_lookup(&f->sw, mac_a, T0), &f->ports[0]);
    record(p, frame, len);
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
    };

    return cmocka_run_group_tests_name("vswitch", tests, NULL, NULL);
}
