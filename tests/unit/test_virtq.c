/* SPDX-License-Identifier: MIT */
/*
 * Tests of drivers/virtio/virtq.c against a fake guest: 1 MiB of "guest
 * RAM" at gpa 0x40000000, filled with a canary byte, whose translate()
 * refuses any range not wholly inside it (or touching a hole a test
 * punches to make a ring vanish). Covered: the checks of virtq_setup;
 * chains taken and returned (segments, totals, the used ring, 16-bit index
 * wraparound); indirect tables; every malformation the device must refuse,
 * each of which must break the queue with its own reason, consume nothing
 * and write nothing to guest RAM; a guest rewriting descriptors while the
 * device reads them; notification suppression with and without
 * VIRTIO_F_EVENT_IDX.
 */
#include "harness.h"

#include <drivers/virtq.h>
#include <hv/errno.h>

#define RAM_BASE 0x40000000ULL
#define RAM_SIZE 0x100000ULL
#define RAM_END (RAM_BASE + RAM_SIZE)
#define CANARY 0xa5

/* Where the tests put the rings, indirect tables and buffers. */
#define DESC_GPA RAM_BASE
#define AVAIL_GPA (RAM_BASE + 0x2000)
#define USED_GPA (RAM_BASE + 0x3000)
#define TABLE_GPA (RAM_BASE + 0x8000)
#define BUF_GPA(i) (RAM_BASE + 0x10000 + (uint64_t)(i)*0x1000)
#define NUM 8

#define F_NEXT VIRTQ_DESC_F_NEXT
#define F_WRITE VIRTQ_DESC_F_WRITE
#define F_INDIRECT VIRTQ_DESC_F_INDIRECT

struct env;

/* A malformed queue: build() lays it out on a fresh queue of num. */
struct bad_case {
    void (*build)(struct env *e);
    uint16_t num;
    bool indirect;
    const char *key; /* a word of the expected q->error */
};

struct env {
    uint8_t *ram;
    uint8_t *snap;     /* RAM as it was before the call under test */
    uint64_t hole_gpa; /* translate() refuses ranges touching the hole */
    uint64_t hole_len;
    uint64_t hook_gpa; /* translate() of this gpa first calls hook() */
    void (*hook)(struct env *e);
    struct virtq_mem mem;
    struct virtq q;
    struct virtq_chain c;
    uint16_t avail_idx; /* the driver's next avail->idx */
    const struct bad_case *bad;
};

static void *fake_translate(void *ctx, uint64_t gpa, uint64_t len)
{
    struct env *e = ctx;

    if (gpa < RAM_BASE || len > RAM_SIZE || gpa - RAM_BASE > RAM_SIZE - len) {
        return NULL;
    }
    if (e->hole_len != 0 && gpa < e->hole_gpa + e->hole_len &&
        e->hole_gpa < gpa + len) {
        return NULL;
    }
    if (e->hook != NULL && gpa == e->hook_gpa) {
        e->hook(e);
    }
    return e->ram + (gpa - RAM_BASE);
}

static int env_setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));

    if (e == NULL) {
        return -1;
    }
    e->ram = aligned_alloc(4096, RAM_SIZE);
    e->snap = malloc(RAM_SIZE);
    if (e->ram == NULL || e->snap == NULL) {
        free(e->ram);
        free(e->snap);
        free(e);
        return -1;
    }
    memset(e->ram, CANARY, RAM_SIZE);
    e->mem.translate = fake_translate;
    e->mem.ctx = e;
    e->bad = *state; /* the test's initial state: its bad_case, or NULL */
    *state = e;
    return 0;
}

static int env_teardown(void **state)
{
    struct env *e = *state;

    free(e->ram);
    free(e->snap);
    free(e);
    return 0;
}

/* --- the driver's side: laying out guest memory ------------------------ */

static uint8_t *at(struct env *e, uint64_t gpa)
{
    return e->ram + (gpa - RAM_BASE);
}

static void put16(struct env *e, uint64_t gpa, uint16_t v)
{
    memcpy(at(e, gpa), &v, sizeof(v));
}

static void put32(struct env *e, uint64_t gpa, uint32_t v)
{
    memcpy(at(e, gpa), &v, sizeof(v));
}

static void put64(struct env *e, uint64_t gpa, uint64_t v)
{
    memcpy(at(e, gpa), &v, sizeof(v));
}

static uint16_t get16(struct env *e, uint64_t gpa)
{
    uint16_t v;

    memcpy(&v, at(e, gpa), sizeof(v));
    return v;
}

static uint32_t get32(struct env *e, uint64_t gpa)
{
    uint32_t v;

    memcpy(&v, at(e, gpa), sizeof(v));
    return v;
}

/* Entry i of the descriptor table at `table`. */
static void desc(struct env *e, uint64_t table, uint16_t i, uint64_t addr,
                 uint32_t len, uint16_t flags, uint16_t next)
{
    uint64_t d = table + 16ULL * i;

    put64(e, d, addr);
    put32(e, d + 8, len);
    put16(e, d + 12, flags);
    put16(e, d + 14, next);
}

/* A chain of n descriptors from entry `first` on, each continuing to the
 * next entry, each `len` bytes of buffer i. */
static void chain(struct env *e, uint64_t table, uint16_t first, uint16_t n,
                  uint32_t len, uint16_t flags)
{
    for (uint16_t i = first; i < first + n; i++) {
        bool last = i == first + n - 1;

        desc(e, table, i, BUF_GPA(i % 64), len,
             (uint16_t)(flags | (last ? 0 : F_NEXT)), (uint16_t)(i + 1));
    }
}

static uint64_t used_event_gpa(uint16_t num)
{
    return AVAIL_GPA + 4 + 2ULL * num;
}

static uint64_t avail_event_gpa(uint16_t num)
{
    return USED_GPA + 4 + 8ULL * num;
}

/* Zeroed rings, as a driver allocates them, taken into use by the queue. */
static void queue_init(struct env *e, uint16_t num, bool event_idx,
                       bool indirect)
{
    e->hole_len = 0;
    memset(at(e, DESC_GPA), 0, 16U * num);
    memset(at(e, AVAIL_GPA), 0, 6 + 2U * num);
    memset(at(e, USED_GPA), 0, 6 + 8U * num);
    e->avail_idx = 0;
    assert_int_equal(virtq_setup(&e->q, &e->mem, num, DESC_GPA, AVAIL_GPA,
                                 USED_GPA, event_idx, indirect),
                     0);
}

/* Makes the chain at head available, as the driver would. */
static void make_avail(struct env *e, uint16_t head)
{
    put16(e, AVAIL_GPA + 4 + 2U * (e->avail_idx % e->q.num), head);
    e->avail_idx++;
    put16(e, AVAIL_GPA + 2, e->avail_idx);
}

/* --- checks ------------------------------------------------------------ */

static void snapshot(struct env *e)
{
    memcpy(e->snap, e->ram, RAM_SIZE);
}

/* Guest RAM is as snapshot() saw it, but for [gpa, gpa + len). */
static void assert_ram_unchanged_except(struct env *e, uint64_t gpa,
                                        uint64_t len)
{
    uint64_t off = len != 0 ? gpa - RAM_BASE : RAM_SIZE;

    assert_memory_equal(e->ram, e->snap, off);
    if (len != 0) {
        assert_memory_equal(e->ram + off + len, e->snap + off + len,
                            RAM_SIZE - off - len);
    }
}

static void assert_error(struct env *e, const char *key)
{
    assert_true(e->q.broken);
    assert_non_null(e->q.error);
    if (strstr(e->q.error, key) == NULL) {
        fail_msg("error \"%s\" does not say \"%s\"", e->q.error, key);
    }
}

/* virtq_pop refuses the next chain: broken, nothing taken or written. */
static void pop_bad(struct env *e, const char *key)
{
    uint16_t last = e->q.last_avail;

    snapshot(e);
    assert_int_equal(virtq_pop(&e->q, &e->mem, &e->c), -HV_EINVAL);
    assert_error(e, key);
    assert_int_equal(e->q.last_avail, last);
    assert_ram_unchanged_except(e, 0, 0);
}

static void pop_ok(struct env *e, uint16_t head, unsigned int nr_segs)
{
    assert_int_equal(virtq_pop(&e->q, &e->mem, &e->c), 1);
    assert_false(e->q.broken);
    assert_int_equal(e->c.head, head);
    assert_int_equal(e->c.nr_segs, nr_segs);
}

static void assert_seg(struct env *e, unsigned int i, uint64_t gpa,
                       uint32_t len, bool write)
{
    const struct virtq_seg *s = &e->c.segs[i];

    assert_int_equal(s->gpa, gpa);
    assert_int_equal(s->len, len);
    assert_int_equal(s->write, write);
    assert_ptr_equal(s->ptr, at(e, gpa));
}

static void assert_totals(struct env *e, unsigned int nr_readable,
                          uint64_t readable_bytes, uint64_t writable_bytes)
{
    assert_int_equal(e->c.nr_readable, nr_readable);
    assert_int_equal(e->c.readable_bytes, readable_bytes);
    assert_int_equal(e->c.writable_bytes, writable_bytes);
}

static void assert_used(struct env *e, uint16_t slot, uint32_t id, uint32_t len)
{
    uint64_t elem = USED_GPA + 4 + 8ULL * slot;

    assert_int_equal(get32(e, elem), id);
    assert_int_equal(get32(e, elem + 4), len);
}

/* --- setup ------------------------------------------------------------- */

static int setup_at(struct env *e, uint16_t num, uint64_t desc_gpa,
                    uint64_t avail_gpa, uint64_t used_gpa)
{
    return virtq_setup(&e->q, &e->mem, num, desc_gpa, avail_gpa, used_gpa,
                       false, false);
}

static void setup_bad(struct env *e, uint16_t num, uint64_t desc_gpa,
                      uint64_t avail_gpa, uint64_t used_gpa, const char *key)
{
    snapshot(e);
    assert_int_equal(setup_at(e, num, desc_gpa, avail_gpa, used_gpa),
                     -HV_EINVAL);
    assert_error(e, key);
    assert_int_equal(virtq_pop(&e->q, &e->mem, &e->c), -HV_EINVAL);
    assert_ram_unchanged_except(e, 0, 0);
}

static void test_setup_sizes(void **state)
{
    static const uint16_t bad[] = {0, 3, 6, 100, 32769, 49152, 65535};
    static const uint16_t good[] = {1, 2, 16, 256};
    struct env *e = *state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        setup_bad(e, bad[i], DESC_GPA, AVAIL_GPA, USED_GPA, "power of two");
    }
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_int_equal(setup_at(e, good[i], DESC_GPA, AVAIL_GPA, USED_GPA),
                         0);
        assert_false(e->q.broken);
        assert_null(e->q.error);
    }
    /* The largest queue: 512 KiB of descriptors, 256 KiB of used ring. */
    assert_int_equal(setup_at(e, VIRTQ_MAX_SIZE, RAM_BASE, RAM_BASE + 0x80000,
                              RAM_BASE + 0x92000),
                     0);
    assert_int_equal(e->q.num, VIRTQ_MAX_SIZE);
}

static void test_setup_alignment(void **state)
{
    struct env *e = *state;

    setup_bad(e, NUM, DESC_GPA + 8, AVAIL_GPA, USED_GPA, "16-byte aligned");
    setup_bad(e, NUM, DESC_GPA, AVAIL_GPA + 1, USED_GPA, "avail ring not");
    setup_bad(e, NUM, DESC_GPA, AVAIL_GPA, USED_GPA + 2, "used ring not");
    assert_int_equal(
        setup_at(e, NUM, DESC_GPA + 16, AVAIL_GPA + 2, USED_GPA + 4), 0);
}

static void test_setup_outside_ram(void **state)
{
    const uint64_t desc_end = RAM_END - 16 * NUM;
    const uint64_t avail_end = RAM_END - (6 + 2 * NUM);
    const uint64_t used_end = (RAM_END - (6 + 8 * NUM)) & ~3ULL;
    struct env *e = *state;

    setup_bad(e, NUM, RAM_BASE - 16, AVAIL_GPA, USED_GPA, "descriptor table");
    setup_bad(e, NUM, desc_end + 16, AVAIL_GPA, USED_GPA, "descriptor table");
    setup_bad(e, NUM, UINT64_MAX - 15, AVAIL_GPA, USED_GPA, "outside guest");
    setup_bad(e, NUM, DESC_GPA, avail_end + 2, USED_GPA, "avail ring outside");
    setup_bad(e, NUM, DESC_GPA, RAM_BASE - 2, USED_GPA, "avail ring outside");
    setup_bad(e, NUM, DESC_GPA, AVAIL_GPA, RAM_END, "used ring outside");
    setup_bad(e, NUM, DESC_GPA, AVAIL_GPA, UINT64_MAX - 3, "used ring outside");
    /* Each ring ending exactly at the end of RAM is fine. */
    assert_int_equal(setup_at(e, NUM, desc_end, avail_end, used_end), 0);
}

static void test_setup_resets(void **state)
{
    struct env *e = *state;

    queue_init(e, NUM, false, false);
    desc(e, DESC_GPA, 0, BUF_GPA(0), 8, F_WRITE, 0);
    make_avail(e, 0);
    pop_ok(e, 0, 1);
    assert_int_equal(virtq_push(&e->q, &e->mem, 0, 8), 0);
    assert_true(virtq_should_notify(&e->q, &e->mem));
    make_avail(e, NUM);
    pop_bad(e, "head out of range");

    queue_init(e, NUM, false, false);
    assert_false(e->q.broken);
    assert_null(e->q.error);
    assert_int_equal(e->q.last_avail, 0);
    assert_int_equal(e->q.used_idx, 0);
    assert_int_equal(e->q.signalled_used, 0);
    desc(e, DESC_GPA, 0, BUF_GPA(0), 8, F_WRITE, 0);
    make_avail(e, 0);
    pop_ok(e, 0, 1);
}

/* --- chains taken and returned ----------------------------------------- */

static void test_pop_empty(void **state)
{
    struct env *e = *state;

    queue_init(e, NUM, true, false);
    snapshot(e);
    assert_int_equal(virtq_pop(&e->q, &e->mem, &e->c), 0);
    assert_false(e->q.broken);
    assert_int_equal(e->q.last_avail, 0);
    assert_ram_unchanged_except(e, 0, 0);
}

/* A block-style request: readable header, writable data, writable status. */
static void test_chain_request(void **state)
{
    struct env *e = *state;

    queue_init(e, NUM, false, false);
    desc(e, DESC_GPA, 3, BUF_GPA(0), 16, F_NEXT, 5);
    desc(e, DESC_GPA, 5, BUF_GPA(1), 512, F_NEXT | F_WRITE, 1);
    desc(e, DESC_GPA, 1, BUF_GPA(2), 1, F_WRITE, 0);
    make_avail(e, 3);
    snapshot(e);
    pop_ok(e, 3, 3);
    assert_ram_unchanged_except(e, 0, 0);
    assert_totals(e, 1, 16, 513);
    assert_seg(e, 0, BUF_GPA(0), 16, false);
    assert_seg(e, 1, BUF_GPA(1), 512, true);
    assert_seg(e, 2, BUF_GPA(2), 1, true);
    assert_int_equal(e->q.last_avail, 1);
    assert_int_equal(virtq_pop(&e->q, &e->mem, &e->c), 0);

    snapshot(e);
    assert_int_equal(virtq_push(&e->q, &e->mem, 3, 513), 0);
    assert_used(e, 0, 3, 513);
    assert_int_equal(get16(e, USED_GPA + 2), 1);
    assert_int_equal(e->q.used_idx, 1);
    /* Only used->idx and the first used element were written. */
    assert_ram_unchanged_except(e, USED_GPA + 2, 10);
    assert_false(e->q.broken);
}

static void test_several_chains(void **state)
{
    struct env *e = *state;

    queue_init(e, NUM, false, false);
    desc(e, DESC_GPA, 5, BUF_GPA(5), 64, 0, 0);
    desc(e, DESC_GPA, 2, BUF_GPA(2), 32, F_NEXT, 6);
    desc(e, DESC_GPA, 6, BUF_GPA(6), 100, F_WRITE, 0);
    desc(e, DESC_GPA, 7, BUF_GPA(7), 4096, F_WRITE, 0);
    make_avail(e, 5);
    make_avail(e, 2);
    make_avail(e, 7);

    pop_ok(e, 5, 1);
    assert_totals(e, 1, 64, 0);
    pop_ok(e, 2, 2);
    assert_totals(e, 1, 32, 100);
    pop_ok(e, 7, 1);
    assert_totals(e, 0, 0, 4096);
    assert_int_equal(virtq_pop(&e->q, &e->mem, &e->c), 0);

    /* Returned in another order than taken. */
    assert_int_equal(virtq_push(&e->q, &e->mem, 2, 100), 0);
    assert_int_equal(virtq_push(&e->q, &e->mem, 7, 4000), 0);
    assert_int_equal(virtq_push(&e->q, &e->mem, 5, 0), 0);
    assert_used(e, 0, 2, 100);
    assert_used(e, 1, 7, 4000);
    assert_used(e, 2, 5, 0);
    assert_int_equal(get16(e, USED_GPA + 2), 3);
}

/* A chain may use every entry of the table, in any order. */
static void test_whole_table_chain(void **state)
{
    struct env *e = *state;

    queue_init(e, 4, false, false);
    desc(e, DESC_GPA, 2, BUF_GPA(0), 16, F_NEXT, 0);
    desc(e, DESC_GPA, 0, BUF_GPA(1), 16, F_NEXT, 3);
    desc(e, DESC_GPA, 3, BUF_GPA(2), 16, F_NEXT | F_WRITE, 1);
    desc(e, DESC_GPA, 1, BUF_GPA(3), 16, F_WRITE, 0);
    make_avail(e, 2);
    pop_ok(e, 2, 4);
    assert_totals(e, 2, 32, 32);
    assert_seg(e, 3, BUF_GPA(3), 16, true);
}

/* The 16-bit indexes wrap from 65535 to 0, in the middle of a full queue. */
static void test_index_wraparound(void **state)
{
    const uint16_t start = 65533;
    struct env *e = *state;

    queue_init(e, 4, false, false);
    e->q.last_avail = e->q.used_idx = e->q.signalled_used = start;
    e->avail_idx = start;
    put16(e, AVAIL_GPA + 2, start);
    put16(e, USED_GPA + 2, start);
    for (uint16_t i = 0; i < 4; i++) {
        desc(e, DESC_GPA, i, BUF_GPA(i), 8U * (i + 1), F_WRITE, 0);
        make_avail(e, (uint16_t)(3 - i));
    }
    /* Exactly num chains ahead is a full queue, not a malformation. */
    for (uint16_t i = 0; i < 4; i++) {
        pop_ok(e, (uint16_t)(3 - i), 1);
        assert_totals(e, 0, 0, 8U * (4 - i));
    }
    assert_int_equal(virtq_pop(&e->q, &e->mem, &e->c), 0);
    assert_int_equal(e->q.last_avail, 1);
    for (uint16_t i = 0; i < 4; i++) {
        assert_int_equal(virtq_push(&e->q, &e->mem, (uint16_t)(3 - i), i), 0);
        assert_used(e, (uint16_t)((start + i) % 4), 3U - i, i);
        assert_int_equal(get16(e, USED_GPA + 2), (uint16_t)(start + i + 1));
    }
    assert_int_equal(e->q.used_idx, 1);

    make_avail(e, 2);
    pop_ok(e, 2, 1);
    assert_int_equal(virtq_push(&e->q, &e->mem, 2, 5), 0);
    assert_used(e, 1, 2, 5);
    assert_int_equal(get16(e, USED_GPA + 2), 2);
}

static void test_indirect_chain(void **state)
{
    struct env *e = *state;

    queue_init(e, NUM, false, true);
    /* A readable header, then a table whose WRITE flag must be ignored. */
    desc(e, DESC_GPA, 0, BUF_GPA(0), 16, F_NEXT, 4);
    desc(e, DESC_GPA, 4, TABLE_GPA, 48, F_INDIRECT | F_WRITE, 0);
    desc(e, TABLE_GPA, 0, BUF_GPA(1), 32, F_NEXT, 2);
    desc(e, TABLE_GPA, 2, BUF_GPA(2), 200, F_NEXT | F_WRITE, 1);
    desc(e, TABLE_GPA, 1, BUF_GPA(3), 1, F_WRITE, 0);
    make_avail(e, 0);
    /* A chain that is only a table, at an odd (unaligned) address. */
    desc(e, DESC_GPA, 1, TABLE_GPA + 0x101, 16, F_INDIRECT, 0);
    desc(e, TABLE_GPA + 0x101, 0, BUF_GPA(4), 64, F_WRITE, 0);
    make_avail(e, 1);

    snapshot(e);
    pop_ok(e, 0, 4);
    assert_totals(e, 2, 48, 201);
    assert_seg(e, 0, BUF_GPA(0), 16, false);
    assert_seg(e, 1, BUF_GPA(1), 32, false);
    assert_seg(e, 2, BUF_GPA(2), 200, true);
    assert_seg(e, 3, BUF_GPA(3), 1, true);
    pop_ok(e, 1, 1);
    assert_seg(e, 0, BUF_GPA(4), 64, true);
    assert_ram_unchanged_except(e, 0, 0);
}

/* VIRTQ_MAX_SEGS segments, direct or in a table, are still fine. */
static void test_max_segs(void **state)
{
    struct env *e = *state;

    queue_init(e, 256, false, true);
    chain(e, DESC_GPA, 0, VIRTQ_MAX_SEGS, 4, 0);
    make_avail(e, 0);
    pop_ok(e, 0, VIRTQ_MAX_SEGS);
    assert_int_equal(e->c.readable_bytes, 4 * VIRTQ_MAX_SEGS);

    desc(e, DESC_GPA, 200, TABLE_GPA, 16 * VIRTQ_MAX_SEGS, F_INDIRECT, 0);
    chain(e, TABLE_GPA, 0, VIRTQ_MAX_SEGS, 2, F_WRITE);
    make_avail(e, 200);
    pop_ok(e, 200, VIRTQ_MAX_SEGS);
    assert_int_equal(e->c.writable_bytes, 2 * VIRTQ_MAX_SEGS);
}

/* A chain of exactly VIRTQ_MAX_CHAIN_BYTES: 16 times all of RAM. */
static void test_max_bytes(void **state)
{
    const uint16_t n = VIRTQ_MAX_CHAIN_BYTES / RAM_SIZE;
    struct env *e = *state;

    queue_init(e, 32, false, false);
    for (uint16_t i = 0; i < n; i++) {
        desc(e, DESC_GPA, i, RAM_BASE, RAM_SIZE, F_NEXT, (uint16_t)(i + 1));
    }
    desc(e, DESC_GPA, (uint16_t)(n - 1), RAM_BASE, RAM_SIZE, 0, 0);
    make_avail(e, 0);
    pop_ok(e, 0, n);
    assert_int_equal(e->c.readable_bytes, VIRTQ_MAX_CHAIN_BYTES);
}

/* The guest rewrites descriptors it already handed over while the device
 * walks the chain: the device goes on with the values it read. */
static void rewrite_chain(struct env *e)
{
    desc(e, DESC_GPA, 0, UINT64_MAX, 0, F_INDIRECT | F_NEXT, 200);
    desc(e, DESC_GPA, 1, RAM_END, UINT32_MAX, F_NEXT | F_INDIRECT, 1);
    put16(e, AVAIL_GPA + 4, 300);
    put16(e, AVAIL_GPA + 2, 1000);
}

static void test_guest_rewrites_during_pop(void **state)
{
    struct env *e = *state;

    queue_init(e, NUM, false, false);
    desc(e, DESC_GPA, 0, BUF_GPA(0), 16, F_NEXT, 1);
    desc(e, DESC_GPA, 1, BUF_GPA(1), 32, F_WRITE, 0);
    make_avail(e, 0);
    e->hook_gpa = BUF_GPA(1); /* after both descriptors were read */
    e->hook = rewrite_chain;
    pop_ok(e, 0, 2);
    assert_seg(e, 0, BUF_GPA(0), 16, false);
    assert_seg(e, 1, BUF_GPA(1), 32, true);
    assert_int_equal(e->q.last_avail, 1);
}

/* --- malformations ------------------------------------------------------ */

/* Makes a one-descriptor chain at entry 0 available (next: 0). */
static void one(struct env *e, uint64_t addr, uint32_t len, uint16_t flags)
{
    desc(e, DESC_GPA, 0, addr, len, flags, 0);
    make_avail(e, 0);
}

/* Makes the chain 0 -> 1 available: 16 bytes, then len1 bytes (next: 0). */
static void pair(struct env *e, uint16_t flags0, uint32_t len1, uint16_t flags1)
{
    desc(e, DESC_GPA, 0, BUF_GPA(0), 16, (uint16_t)(flags0 | F_NEXT), 1);
    desc(e, DESC_GPA, 1, BUF_GPA(1), len1, flags1, 0);
    make_avail(e, 0);
}

static void bad_head(struct env *e)
{
    make_avail(e, e->q.num);
}

static void bad_next(struct env *e)
{
    desc(e, DESC_GPA, 0, BUF_GPA(0), 16, F_NEXT, e->q.num);
    make_avail(e, 0);
}

static void bad_loop(struct env *e)
{
    pair(e, 0, 16, F_NEXT);
}

/* Every entry of a 4-entry table, then the first again. */
static void bad_longer_than_queue(struct env *e)
{
    chain(e, DESC_GPA, 0, 4, 16, F_NEXT);
    desc(e, DESC_GPA, 3, BUF_GPA(3), 16, F_NEXT, 0);
    make_avail(e, 0);
}

/* In a queue longer than VIRTQ_MAX_SEGS, a loop runs into that limit. */
static void bad_self_loop(struct env *e)
{
    one(e, BUF_GPA(0), 16, F_NEXT);
}

static void bad_too_many_segs(struct env *e)
{
    chain(e, DESC_GPA, 0, VIRTQ_MAX_SEGS + 1, 16, 0);
    make_avail(e, 0);
}

static void bad_zero_len(struct env *e)
{
    pair(e, 0, 0, F_WRITE);
}

static void bad_huge_len(struct env *e)
{
    one(e, RAM_BASE, VIRTQ_MAX_CHAIN_BYTES + 1, 0);
}

/* Sixteen times all of RAM is the limit; one byte more is too much. */
static void bad_total_len(struct env *e)
{
    const uint16_t n = VIRTQ_MAX_CHAIN_BYTES / RAM_SIZE;

    for (uint16_t i = 0; i < n; i++) {
        desc(e, DESC_GPA, i, RAM_BASE, RAM_SIZE, F_NEXT, (uint16_t)(i + 1));
    }
    desc(e, DESC_GPA, n, BUF_GPA(0), 1, 0, 0);
    make_avail(e, 0);
}

/* Lengths that would wrap a 32-bit total. */
static void bad_u32_lens(struct env *e)
{
    desc(e, DESC_GPA, 0, UINT64_MAX - 0xfff, UINT32_MAX, F_NEXT, 1);
    desc(e, DESC_GPA, 1, UINT64_MAX - 0xfff, UINT32_MAX, 0, 0);
    make_avail(e, 0);
}

/* addr + len wraps past 2^64 to a small address. */
static void bad_addr_wraps(struct env *e)
{
    one(e, UINT64_MAX - 15, 32, 0);
}

static void bad_addr_below_ram(struct env *e)
{
    one(e, RAM_BASE - 8, 16, 0);
}

static void bad_addr_straddles_end(struct env *e)
{
    one(e, RAM_END - 8, 16, F_WRITE);
}

static void bad_addr_after_ram(struct env *e)
{
    one(e, RAM_END, 1, F_WRITE);
}

static void bad_readable_after_writable(struct env *e)
{
    pair(e, F_WRITE, 16, 0);
}

static void bad_avail_ahead(struct env *e)
{
    put16(e, AVAIL_GPA + 2, (uint16_t)(e->q.num + 1));
}

static void bad_avail_ahead_wrapped(struct env *e)
{
    e->q.last_avail = 65530;
    put16(e, AVAIL_GPA + 2, (uint16_t)(65530 + e->q.num + 1));
}

/* A driver may not take buffers back by lowering avail->idx. */
static void bad_avail_behind(struct env *e)
{
    put16(e, AVAIL_GPA + 2, 0xffff);
}

/* Makes the chain of one descriptor pointing to the table at TABLE_GPA
 * available; the caller fills in the table. */
static void table_of(struct env *e, uint32_t len, uint16_t flags)
{
    one(e, TABLE_GPA, len, (uint16_t)(F_INDIRECT | flags));
}

static void bad_ind_not_negotiated(struct env *e)
{
    desc(e, TABLE_GPA, 0, BUF_GPA(0), 16, 0, 0);
    table_of(e, 16, 0);
}

static void bad_ind_with_next(struct env *e)
{
    desc(e, TABLE_GPA, 0, BUF_GPA(0), 16, 0, 0);
    table_of(e, 16, F_NEXT);
}

static void bad_ind_len_zero(struct env *e)
{
    table_of(e, 0, 0);
}

static void bad_ind_len_odd(struct env *e)
{
    chain(e, TABLE_GPA, 0, 2, 16, 0);
    table_of(e, 24, 0);
}

static void bad_ind_too_long(struct env *e)
{
    chain(e, TABLE_GPA, 0, VIRTQ_MAX_SEGS + 1, 16, 0);
    table_of(e, 16 * (VIRTQ_MAX_SEGS + 1), 0);
}

static void bad_ind_outside_ram(struct env *e)
{
    one(e, RAM_END - 16, 32, F_INDIRECT);
}

static void bad_ind_nested(struct env *e)
{
    desc(e, TABLE_GPA, 0, BUF_GPA(0), 16, F_NEXT, 1);
    desc(e, TABLE_GPA, 1, TABLE_GPA + 0x100, 16, F_INDIRECT, 0);
    desc(e, TABLE_GPA + 0x100, 0, BUF_GPA(1), 16, 0, 0);
    table_of(e, 32, 0);
}

static void bad_ind_loop(struct env *e)
{
    desc(e, TABLE_GPA, 0, BUF_GPA(0), 16, F_NEXT, 2);
    desc(e, TABLE_GPA, 2, BUF_GPA(1), 16, F_NEXT, 0);
    table_of(e, 48, 0);
}

/* next must stay inside the table even where the queue is larger. */
static void bad_ind_next(struct env *e)
{
    desc(e, TABLE_GPA, 0, BUF_GPA(0), 16, F_NEXT, 2);
    desc(e, TABLE_GPA, 2, BUF_GPA(1), 16, 0, 0);
    table_of(e, 32, 0);
}

static void bad_ind_zero_len(struct env *e)
{
    desc(e, TABLE_GPA, 0, BUF_GPA(0), 0, F_WRITE, 0);
    table_of(e, 16, 0);
}

static void bad_ind_buf_outside(struct env *e)
{
    desc(e, TABLE_GPA, 0, RAM_END - 4, 8, F_WRITE, 0);
    table_of(e, 16, 0);
}

/* Writable in the queue's table, then readable in the indirect one. */
static void bad_ind_readable_after_writable(struct env *e)
{
    desc(e, DESC_GPA, 0, BUF_GPA(0), 16, F_WRITE | F_NEXT, 1);
    desc(e, DESC_GPA, 1, TABLE_GPA, 16, F_INDIRECT, 0);
    desc(e, TABLE_GPA, 0, BUF_GPA(1), 16, 0, 0);
    make_avail(e, 0);
}

/* One direct segment plus a full table is one segment too many. */
static void bad_ind_too_many_segs(struct env *e)
{
    desc(e, DESC_GPA, 0, BUF_GPA(0), 16, F_NEXT, 1);
    desc(e, DESC_GPA, 1, TABLE_GPA, 16 * VIRTQ_MAX_SEGS, F_INDIRECT, 0);
    chain(e, TABLE_GPA, 0, VIRTQ_MAX_SEGS, 16, F_WRITE);
    make_avail(e, 0);
}

/* A good one-buffer chain, then guest RAM under a ring byte vanishes. */
static void ring_gone(struct env *e, uint64_t gpa)
{
    one(e, BUF_GPA(0), 16, 0);
    e->hole_gpa = gpa;
    e->hole_len = 1;
}

static void bad_avail_gone(struct env *e)
{
    ring_gone(e, AVAIL_GPA + 2);
}

static void bad_desc_gone(struct env *e)
{
    ring_gone(e, DESC_GPA + 16 * 5);
}

static void bad_used_gone(struct env *e)
{
    ring_gone(e, avail_event_gpa(e->q.num));
}

/*
 * Lays out one malformation (with VIRTIO_F_EVENT_IDX, so that a pop that
 * wrote avail_event would show) and checks that the pop refuses it and that
 * the queue then stays broken, without touching guest RAM, whatever comes.
 */
static void test_malformed(void **state)
{
    struct env *e = *state;
    const struct bad_case *bad = e->bad;

    queue_init(e, bad->num != 0 ? bad->num : NUM, true, bad->indirect);
    bad->build(e);
    pop_bad(e, bad->key);
    assert_int_equal(virtq_pop(&e->q, &e->mem, &e->c), -HV_EINVAL);
    assert_int_equal(virtq_push(&e->q, &e->mem, 0, 0), -HV_EINVAL);
    assert_false(virtq_should_notify(&e->q, &e->mem));
    assert_error(e, bad->key);
    assert_ram_unchanged_except(e, 0, 0);
}

/* --- broken queues and push errors -------------------------------------- */

static void test_broken_stays_broken(void **state)
{
    struct env *e = *state;
    const char *why;

    queue_init(e, NUM, false, false);
    make_avail(e, NUM);
    pop_bad(e, "head out of range");
    why = e->q.error;
    /* The guest repairs the ring: too late. */
    desc(e, DESC_GPA, 0, BUF_GPA(0), 16, 0, 0);
    put16(e, AVAIL_GPA + 4, 0);
    snapshot(e);
    assert_int_equal(virtq_pop(&e->q, &e->mem, &e->c), -HV_EINVAL);
    assert_int_equal(virtq_push(&e->q, &e->mem, 0, 0), -HV_EINVAL);
    assert_false(virtq_should_notify(&e->q, &e->mem));
    assert_ptr_equal(e->q.error, why);
    assert_int_equal(e->q.last_avail, 0);
    assert_int_equal(e->q.used_idx, 0);
    assert_ram_unchanged_except(e, 0, 0);

    /* Until the driver resets the queue and sets it up again. */
    queue_init(e, NUM, false, false);
    desc(e, DESC_GPA, 0, BUF_GPA(0), 16, 0, 0);
    make_avail(e, 0);
    pop_ok(e, 0, 1);
    assert_int_equal(virtq_push(&e->q, &e->mem, 0, 0), 0);
}

static void push_bad(struct env *e, uint16_t head, const char *key)
{
    snapshot(e);
    assert_int_equal(virtq_push(&e->q, &e->mem, head, 4), -HV_EINVAL);
    assert_error(e, key);
    assert_int_equal(e->q.used_idx, 0);
    assert_ram_unchanged_except(e, 0, 0);
}

static void test_push_errors(void **state)
{
    struct env *e = *state;

    queue_init(e, NUM, false, false);
    push_bad(e, NUM, "used head out of range");
    queue_init(e, NUM, false, false);
    push_bad(e, 0xffff, "used head out of range");

    queue_init(e, NUM, false, false);
    e->hole_gpa = USED_GPA + 4 + 8 * (NUM - 1);
    e->hole_len = 1;
    push_bad(e, 0, "used ring outside guest memory");

    queue_init(e, NUM, false, false);
    e->hole_gpa = AVAIL_GPA;
    e->hole_len = 1;
    snapshot(e);
    assert_false(virtq_should_notify(&e->q, &e->mem));
    assert_error(e, "avail ring outside guest memory");
    assert_ram_unchanged_except(e, 0, 0);
}

/* Several chains go back with one move of used->idx (their entries
 * wrapping round the ring here); a bad head among them returns none. */
static void test_push_many(void **state)
{
    struct env *e = *state;
    const uint16_t heads[3] = {2, 0, 5};
    const uint32_t lens[3] = {10, 20, 30};
    const uint16_t bad[2] = {1, NUM};
    uint16_t idx;
    uint32_t v;
    unsigned int i;

    queue_init(e, NUM, false, false);
    e->q.used_idx = NUM - 1;
    assert_int_equal(virtq_push_many(&e->q, &e->mem, heads, lens, 3), 0);
    memcpy(&idx, at(e, USED_GPA + 2), 2);
    assert_int_equal(idx, NUM + 2);
    for (i = 0; i < 3; i++) {
        uint64_t elem = USED_GPA + 4 + 8ULL * ((NUM - 1 + i) % NUM);

        memcpy(&v, at(e, elem), 4);
        assert_int_equal(v, heads[i]);
        memcpy(&v, at(e, elem + 4), 4);
        assert_int_equal(v, lens[i]);
    }

    snapshot(e);
    assert_int_equal(virtq_push_many(&e->q, &e->mem, bad, lens, 2), -HV_EINVAL);
    assert_error(e, "used head out of range");
    assert_int_equal(e->q.used_idx, NUM + 2);
    assert_ram_unchanged_except(e, 0, 0);
}

/* --- notification suppression ------------------------------------------- */

/* The driver offers chain `head` (one writable descriptor, laid out by the
 * caller); the device takes it and returns it. */
static void round_trip(struct env *e, uint16_t head)
{
    make_avail(e, head);
    pop_ok(e, head, 1);
    assert_int_equal(virtq_push(&e->q, &e->mem, head, 1), 0);
}

static void test_notify_flags(void **state)
{
    struct env *e = *state;

    queue_init(e, NUM, false, false);
    chain(e, DESC_GPA, 0, 1, 8, F_WRITE);
    /* used_event means nothing without VIRTIO_F_EVENT_IDX. */
    put16(e, used_event_gpa(NUM), 0x1234);
    round_trip(e, 0);
    snapshot(e);
    assert_true(virtq_should_notify(&e->q, &e->mem));
    assert_ram_unchanged_except(e, 0, 0);
    assert_int_equal(e->q.signalled_used, 1);
    put16(e, AVAIL_GPA, VIRTQ_AVAIL_F_NO_INTERRUPT);
    round_trip(e, 0);
    assert_false(virtq_should_notify(&e->q, &e->mem));
    assert_int_equal(e->q.signalled_used, 2);
    put16(e, AVAIL_GPA, 0);
    assert_true(virtq_should_notify(&e->q, &e->mem));
    assert_int_equal(e->q.signalled_used, 2);
    assert_false(e->q.broken);
}

static void test_notify_event_idx(void **state)
{
    struct env *e = *state;
    const uint64_t used_event = used_event_gpa(NUM);

    queue_init(e, NUM, true, false);
    for (uint16_t i = 0; i < NUM; i++) {
        desc(e, DESC_GPA, i, BUF_GPA(i), 8, F_WRITE, 0);
    }
    /* used_event 0: notify once entry 0 of the used ring is written. */
    round_trip(e, 0);
    assert_true(virtq_should_notify(&e->q, &e->mem));
    assert_int_equal(e->q.signalled_used, 1);
    assert_false(virtq_should_notify(&e->q, &e->mem)); /* nothing new */
    round_trip(e, 1);
    assert_false(virtq_should_notify(&e->q, &e->mem));
    put16(e, used_event, 3);
    round_trip(e, 2);
    assert_false(virtq_should_notify(&e->q, &e->mem));
    round_trip(e, 3);
    assert_true(virtq_should_notify(&e->q, &e->mem));
    assert_int_equal(e->q.signalled_used, 4);
    /* NO_INTERRUPT means nothing with VIRTIO_F_EVENT_IDX. */
    put16(e, AVAIL_GPA, VIRTQ_AVAIL_F_NO_INTERRUPT);
    put16(e, used_event, 4);
    round_trip(e, 4);
    assert_true(virtq_should_notify(&e->q, &e->mem));
    /* Several pushes, one check: used_event in the middle of them. */
    put16(e, used_event, 6);
    round_trip(e, 5);
    round_trip(e, 6);
    round_trip(e, 7);
    assert_true(virtq_should_notify(&e->q, &e->mem));
    assert_int_equal(e->q.signalled_used, 8);
    /* used_event already behind: no notification. */
    put16(e, used_event, 7);
    round_trip(e, 0);
    assert_false(virtq_should_notify(&e->q, &e->mem));
}

/* used_event at 65535 is hit by the push that wraps used->idx to 0. */
static void test_notify_event_idx_wrap(void **state)
{
    struct env *e = *state;

    queue_init(e, NUM, true, false);
    e->q.last_avail = e->q.used_idx = e->q.signalled_used = 65534;
    e->avail_idx = 65534;
    put16(e, USED_GPA + 2, 65534);
    put16(e, used_event_gpa(NUM), 65535);
    chain(e, DESC_GPA, 0, 1, 8, F_WRITE);
    round_trip(e, 0);
    assert_false(virtq_should_notify(&e->q, &e->mem));
    round_trip(e, 0);
    assert_int_equal(e->q.used_idx, 0);
    assert_true(virtq_should_notify(&e->q, &e->mem));
    assert_int_equal(e->q.signalled_used, 0);
}

/* With VIRTIO_F_EVENT_IDX, each pop asks for a kick at the next entry. */
static void test_avail_event(void **state)
{
    struct env *e = *state;
    const uint64_t avail_event = avail_event_gpa(NUM);

    queue_init(e, NUM, true, false);
    desc(e, DESC_GPA, 0, BUF_GPA(0), 8, F_WRITE, 0);
    desc(e, DESC_GPA, 1, BUF_GPA(1), 8, F_WRITE, 0);
    put16(e, avail_event, 0xbeef);
    make_avail(e, 0);
    make_avail(e, 1);
    snapshot(e);
    pop_ok(e, 0, 1);
    assert_int_equal(get16(e, avail_event), 1);
    pop_ok(e, 1, 1);
    assert_int_equal(get16(e, avail_event), 2);
    assert_int_equal(virtq_pop(&e->q, &e->mem, &e->c), 0);
    assert_int_equal(get16(e, avail_event), 2);
    assert_ram_unchanged_except(e, avail_event, 2);

    /* Without it, pop writes nothing at all. */
    queue_init(e, NUM, false, false);
    desc(e, DESC_GPA, 1, BUF_GPA(1), 8, F_WRITE, 0);
    make_avail(e, 1);
    snapshot(e);
    pop_ok(e, 1, 1);
    assert_ram_unchanged_except(e, 0, 0);
}

/* NO_NOTIFY: with VIRTIO_F_EVENT_IDX, where drivers ignore used->flags,
 * avail_event stays 2^15 ahead of the next entry, so no refill of the
 * ring reaches it (vring_need_event); 0 brings kicks back. */
static void test_quiet_avail_event(void **state)
{
    struct env *e = *state;
    const uint64_t avail_event = avail_event_gpa(NUM);
    uint16_t ev, added;

    queue_init(e, NUM, true, false);
    desc(e, DESC_GPA, 0, BUF_GPA(0), 8, F_WRITE, 0);
    desc(e, DESC_GPA, 1, BUF_GPA(1), 8, F_WRITE, 0);
    assert_int_equal(
        virtq_set_used_flags(&e->q, &e->mem, VIRTQ_USED_F_NO_NOTIFY), 0);
    assert_int_equal(get16(e, USED_GPA), VIRTQ_USED_F_NO_NOTIFY);
    assert_int_equal(get16(e, avail_event), 0x8000);
    make_avail(e, 0);
    pop_ok(e, 0, 1);
    ev = get16(e, avail_event);
    assert_int_equal(ev, 0x8001);
    /* A driver adding a whole ring from here would not kick. */
    for (added = 1; added <= NUM; added++) {
        uint16_t old = 1, now = (uint16_t)(1 + added);

        assert_false((uint16_t)(now - ev - 1) < (uint16_t)(now - old));
    }
    assert_int_equal(virtq_set_used_flags(&e->q, &e->mem, 0), 0);
    assert_int_equal(get16(e, avail_event), 1);
    make_avail(e, 1);
    pop_ok(e, 1, 1);
    assert_int_equal(get16(e, avail_event), 2);
}

#define VQ_TEST(fn) cmocka_unit_test_setup_teardown(fn, env_setup, env_teardown)
#define BAD(fn, num, indirect, key)                                            \
    {                                                                          \
        "malformed_" #fn, test_malformed, env_setup, env_teardown,             \
            &(struct bad_case){fn, num, indirect, key},                        \
    }

int main(void)
{
    const struct CMUnitTest tests[] = {
        VQ_TEST(test_setup_sizes),
        VQ_TEST(test_setup_alignment),
        VQ_TEST(test_setup_outside_ram),
        VQ_TEST(test_setup_resets),
        VQ_TEST(test_pop_empty),
        VQ_TEST(test_chain_request),
        VQ_TEST(test_several_chains),
        VQ_TEST(test_whole_table_chain),
        VQ_TEST(test_index_wraparound),
        VQ_TEST(test_indirect_chain),
        VQ_TEST(test_max_segs),
        VQ_TEST(test_max_bytes),
        VQ_TEST(test_guest_rewrites_during_pop),
        BAD(bad_head, 0, false, "head out of range"),
        BAD(bad_next, 0, false, "next index out of range"),
        BAD(bad_loop, 0, false, "loops"),
        BAD(bad_longer_than_queue, 4, false, "longer than the queue"),
        BAD(bad_self_loop, 256, false, "more than VIRTQ_MAX_SEGS segments"),
        BAD(bad_too_many_segs, 256, false, "more than VIRTQ_MAX_SEGS seg"),
        BAD(bad_zero_len, 0, false, "zero-length"),
        BAD(bad_huge_len, 0, false, "VIRTQ_MAX_CHAIN_BYTES"),
        BAD(bad_total_len, 32, false, "VIRTQ_MAX_CHAIN_BYTES"),
        BAD(bad_u32_lens, 0, false, "VIRTQ_MAX_CHAIN_BYTES"),
        BAD(bad_addr_wraps, 0, false, "descriptor outside guest memory"),
        BAD(bad_addr_below_ram, 0, false, "descriptor outside guest memory"),
        BAD(bad_addr_straddles_end, 0, false, "descriptor outside guest"),
        BAD(bad_addr_after_ram, 0, false, "descriptor outside guest memory"),
        BAD(bad_readable_after_writable, 0, false, "readable descriptor after"),
        BAD(bad_avail_ahead, 0, false, "ahead"),
        BAD(bad_avail_ahead_wrapped, 0, false, "ahead"),
        BAD(bad_avail_behind, 0, false, "ahead"),
        BAD(bad_ind_not_negotiated, 0, false, "VIRTIO_F_INDIRECT_DESC"),
        BAD(bad_ind_with_next, 0, true, "indirect descriptor with NEXT"),
        BAD(bad_ind_len_zero, 0, true, "multiple of 16"),
        BAD(bad_ind_len_odd, 0, true, "multiple of 16"),
        BAD(bad_ind_too_long, 0, true, "more than VIRTQ_MAX_SEGS entries"),
        BAD(bad_ind_outside_ram, 0, true, "indirect table outside"),
        BAD(bad_ind_nested, 0, true, "nested indirect"),
        BAD(bad_ind_loop, 0, true, "indirect table chain loops"),
        BAD(bad_ind_next, 0, true, "indirect table next index"),
        BAD(bad_ind_zero_len, 0, true, "zero-length"),
        BAD(bad_ind_buf_outside, 0, true, "descriptor outside guest memory"),
        BAD(bad_ind_readable_after_writable, 0, true, "readable descriptor"),
        BAD(bad_ind_too_many_segs, 0, true, "more than VIRTQ_MAX_SEGS seg"),
        BAD(bad_avail_gone, 0, true, "avail ring outside guest memory"),
        BAD(bad_desc_gone, 0, false, "descriptor table outside guest"),
        BAD(bad_used_gone, 0, false, "used ring outside guest memory"),
        VQ_TEST(test_broken_stays_broken),
        VQ_TEST(test_push_errors),
        VQ_TEST(test_push_many),
        VQ_TEST(test_notify_flags),
        VQ_TEST(test_notify_event_idx),
        VQ_TEST(test_notify_event_idx_wrap),
        VQ_TEST(test_quiet_avail_event),
        VQ_TEST(test_avail_event),
    };

    return cmocka_run_group_tests_name("virtq", tests, NULL, NULL);
}
