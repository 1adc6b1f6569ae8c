/* SPDX-License-Identifier: MIT */
/*
 * Tests of arch/arm64/stage2.c on the host: block vs page choice, leaf
 * descriptor bits, overlap and argument checks, allocator failure, and
 * the VTCR_EL2 value. Table pages come from aligned_alloc() and are
 * tracked so each test frees them.
 */
#include "harness.h"

#include <asm/stage2.h>
#include <hv/errno.h>
#include <hv/types.h>

#define MAX_TABLES 64
#define MEMATTR(d) (((d) >> 2) & 0xfUL)

struct table_pool {
    void *pages[MAX_TABLES];
    unsigned int nr;
    int budget; /* tables still allowed; -1 = unlimited */
};

static void *pool_alloc(void *ctx)
{
    struct table_pool *tp = ctx;
    void *p;

    if (tp->budget == 0 || tp->nr == MAX_TABLES) {
        return NULL;
    }
    p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
    assert_non_null(p);
    memset(p, 0, PAGE_SIZE);
    tp->pages[tp->nr++] = p;
    if (tp->budget > 0) {
        tp->budget--;
    }
    return p;
}

struct fixture {
    struct table_pool tp;
    struct stage2 s2;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL) {
        return -1;
    }
    f->tp.budget = -1;
    if (stage2_init(&f->s2, 39, pool_alloc, &f->tp) != 0) {
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    unsigned int i;

    for (i = 0; i < f->tp.nr; i++) {
        free(f->tp.pages[i]);
    }
    free(f);
    return 0;
}

/* Checks the bits every leaf written by stage2_map must have. */
static void check_leaf(uint64_t desc, unsigned int attr, bool page)
{
    assert_true(desc & S2_DESC_VALID);
    assert_true(desc & S2_DESC_AF);
    assert_int_equal(desc & S2_DESC_S2AP_RW, S2_DESC_S2AP_RW);
    assert_int_equal(!!(desc & S2_DESC_TABLE), page);
    if (attr == S2_ATTR_DEVICE) {
        assert_int_equal(MEMATTR(desc), 0x1);
        assert_int_equal(desc & S2_DESC_XN, S2_DESC_XN);
    } else {
        assert_int_equal(MEMATTR(desc), 0xf);
        assert_int_equal(desc & S2_DESC_XN, 0);
        assert_int_equal(desc & S2_DESC_SH_INNER, S2_DESC_SH_INNER);
    }
}

static void test_block_when_aligned(void **state)
{
    struct fixture *f = *state;
    uint64_t pa;
    uint64_t desc;

    assert_int_equal(
        stage2_map(&f->s2, 0x40000000, 0x80000000, 2 * SZ_2M, S2_ATTR_RAM), 0);
    /* Root, one level-2 table; no level-3 table for blocks. */
    assert_int_equal(f->s2.nr_tables, 2);
    assert_true(stage2_lookup(&f->s2, 0x40000000, &pa, &desc));
    assert_int_equal(pa, 0x80000000);
    check_leaf(desc, S2_ATTR_RAM, false);
    assert_true(stage2_lookup(&f->s2, 0x40000000 + SZ_2M + 0x1234, &pa, &desc));
    assert_int_equal(pa, 0x80000000 + SZ_2M + 0x1234);
    check_leaf(desc, S2_ATTR_RAM, false);
    assert_false(stage2_lookup(&f->s2, 0x40000000 + 2 * SZ_2M, &pa, &desc));
}

static void test_pages_when_unaligned(void **state)
{
    struct fixture *f = *state;
    uint64_t pa;
    uint64_t desc;

    /* The PA is only page aligned: no block may be used. */
    assert_int_equal(
        stage2_map(&f->s2, 0x40000000, 0x80001000, SZ_2M, S2_ATTR_RAM), 0);
    assert_int_equal(f->s2.nr_tables, 3);
    assert_true(stage2_lookup(&f->s2, 0x40000000, &pa, &desc));
    assert_int_equal(pa, 0x80001000);
    check_leaf(desc, S2_ATTR_RAM, true);
    assert_true(stage2_lookup(&f->s2, 0x40000000 + SZ_2M - 1, &pa, &desc));
    assert_int_equal(pa, 0x80001000 + SZ_2M - 1);
    check_leaf(desc, S2_ATTR_RAM, true);
}

static void test_mixed_blocks_and_pages(void **state)
{
    struct fixture *f = *state;
    uint64_t base = 0x40000000 - 0x3000; /* 3 pages before a 2 MiB line */
    uint64_t size = 0x3000 + SZ_2M + 0x2000;
    uint64_t pa;
    uint64_t desc;

    assert_int_equal(stage2_map(&f->s2, base, base, size, S2_ATTR_RAM), 0);
    assert_true(stage2_lookup(&f->s2, base, &pa, &desc));
    check_leaf(desc, S2_ATTR_RAM, true);
    assert_true(stage2_lookup(&f->s2, 0x40000000, &pa, &desc));
    assert_int_equal(pa, 0x40000000);
    check_leaf(desc, S2_ATTR_RAM, false);
    assert_true(stage2_lookup(&f->s2, 0x40000000 + SZ_2M + 0x1000, &pa, &desc));
    check_leaf(desc, S2_ATTR_RAM, true);
    assert_false(stage2_lookup(&f->s2, base + size, NULL, NULL));
    assert_false(stage2_lookup(&f->s2, base - PAGE_SIZE, NULL, NULL));
}

static void test_device_attributes(void **state)
{
    struct fixture *f = *state;
    uint64_t pa;
    uint64_t desc;

    assert_int_equal(
        stage2_map(&f->s2, 0x08000000, 0x08000000, 0x10000, S2_ATTR_DEVICE), 0);
    assert_true(stage2_lookup(&f->s2, 0x0800f004, &pa, &desc));
    assert_int_equal(pa, 0x0800f004);
    check_leaf(desc, S2_ATTR_DEVICE, true);
    assert_int_equal(desc & S2_DESC_SH_INNER, 0);
}

static void test_lookup_unmapped(void **state)
{
    struct fixture *f = *state;
    uint64_t pa = 0xdead;
    uint64_t desc = 0xbeef;

    assert_false(stage2_lookup(&f->s2, 0, &pa, &desc));
    assert_false(stage2_lookup(&f->s2, 0x40000000, &pa, &desc));
    assert_int_equal(pa, 0xdead);
    assert_int_equal(desc, 0xbeef);
    assert_int_equal(
        stage2_map(&f->s2, 0x40000000, 0x40000000, PAGE_SIZE, S2_ATTR_RAM), 0);
    /* Same level-3 table, neighbouring entry. */
    assert_false(stage2_lookup(&f->s2, 0x40001000, NULL, NULL));
    /* Beyond the IPA space. */
    assert_false(stage2_lookup(&f->s2, 1UL << 39, NULL, NULL));
    assert_false(stage2_lookup(&f->s2, UINT64_MAX, NULL, NULL));
}

/* Copies every table page so a test can check nothing changed. */
static void snapshot(const struct fixture *f, uint64_t *copy)
{
    unsigned int i;

    for (i = 0; i < f->tp.nr; i++) {
        memcpy(&copy[i * 512], f->tp.pages[i], PAGE_SIZE);
    }
}

static void test_overlap_refused(void **state)
{
    struct fixture *f = *state;
    uint64_t *before = calloc(MAX_TABLES, PAGE_SIZE);
    uint64_t *after = calloc(MAX_TABLES, PAGE_SIZE);
    unsigned int tables;

    assert_non_null(before);
    assert_non_null(after);
    assert_int_equal(
        stage2_map(&f->s2, 0x40000000, 0x80000000, SZ_2M, S2_ATTR_RAM), 0);
    assert_int_equal(stage2_map(&f->s2, 0x40400000 + 0x5000, 0x90005000, 0x2000,
                                S2_ATTR_RAM),
                     0);
    tables = f->tp.nr;
    snapshot(f, before);

    /* Ends inside the block: the free pages before it must stay free. */
    assert_int_equal(
        stage2_map(&f->s2, 0x40000000 - 0x4000, 0x1000000, 0x5000, S2_ATTR_RAM),
        -HV_EEXIST);
    /* Whole range covering the block. */
    assert_int_equal(
        stage2_map(&f->s2, 0x3fe00000, 0x3fe00000, 3 * SZ_2M, S2_ATTR_RAM),
        -HV_EEXIST);
    /* A page over the second page of the small mapping, as a block. */
    assert_int_equal(
        stage2_map(&f->s2, 0x40400000, 0x40400000, SZ_2M, S2_ATTR_RAM),
        -HV_EEXIST);
    /* Exactly the same page again. */
    assert_int_equal(
        stage2_map(&f->s2, 0x40406000, 0x40406000, PAGE_SIZE, S2_ATTR_DEVICE),
        -HV_EEXIST);

    assert_int_equal(f->tp.nr, tables);
    snapshot(f, after);
    assert_memory_equal(before, after, (size_t)tables * PAGE_SIZE);
    assert_false(stage2_lookup(&f->s2, 0x40000000 - 0x4000, NULL, NULL));
    assert_false(stage2_lookup(&f->s2, 0x40400000, NULL, NULL));
    free(before);
    free(after);
}

static void test_bad_arguments(void **state)
{
    struct fixture *f = *state;
    uint64_t top = 1UL << 39;

    assert_int_equal(
        stage2_map(&f->s2, 0x40000800, 0x40000000, PAGE_SIZE, S2_ATTR_RAM),
        -HV_EINVAL);
    assert_int_equal(
        stage2_map(&f->s2, 0x40000000, 0x40000010, PAGE_SIZE, S2_ATTR_RAM),
        -HV_EINVAL);
    assert_int_equal(
        stage2_map(&f->s2, 0x40000000, 0x40000000, 0x1800, S2_ATTR_RAM),
        -HV_EINVAL);
    assert_int_equal(stage2_map(&f->s2, 0x40000000, 0x40000000, 0, S2_ATTR_RAM),
                     -HV_EINVAL);
    assert_int_equal(stage2_map(&f->s2, top, 0, PAGE_SIZE, S2_ATTR_RAM),
                     -HV_EINVAL);
    assert_int_equal(
        stage2_map(&f->s2, top - PAGE_SIZE, 0, 2 * PAGE_SIZE, S2_ATTR_RAM),
        -HV_EINVAL);
    /* size so large that ipa + size wraps around. */
    assert_int_equal(
        stage2_map(&f->s2, PAGE_SIZE, 0, 0UL - PAGE_SIZE, S2_ATTR_RAM),
        -HV_EINVAL);
    /* PA beyond 48 bits cannot be put in a descriptor. */
    assert_int_equal(stage2_map(&f->s2, 0, 1UL << 48, PAGE_SIZE, S2_ATTR_RAM),
                     -HV_EINVAL);
    assert_int_equal(stage2_map(&f->s2, 0, 0, PAGE_SIZE, 2), -HV_EINVAL);
    /* The last page of the IPA space is fine. */
    assert_int_equal(
        stage2_map(&f->s2, top - PAGE_SIZE, 0, PAGE_SIZE, S2_ATTR_RAM), 0);
    assert_true(stage2_lookup(&f->s2, top - 1, NULL, NULL));
    assert_int_equal(f->tp.nr, 3);
}

static void test_ipa_bits_range(void **state)
{
    struct table_pool tp = {.budget = -1};
    struct stage2 s2;
    unsigned int bits;
    unsigned int i;

    assert_int_equal(stage2_init(&s2, 31, pool_alloc, &tp), -HV_EINVAL);
    assert_int_equal(stage2_init(&s2, 40, pool_alloc, &tp), -HV_EINVAL);
    assert_int_equal(stage2_init(&s2, 48, pool_alloc, &tp), -HV_EINVAL);
    assert_int_equal(stage2_init(&s2, 0, pool_alloc, &tp), -HV_EINVAL);
    assert_int_equal(stage2_init(&s2, 39, NULL, &tp), -HV_EINVAL);
    assert_int_equal(tp.nr, 0);
    for (bits = 32; bits <= 39; bits++) {
        assert_int_equal(stage2_init(&s2, bits, pool_alloc, &tp), 0);
        assert_int_equal(s2.nr_tables, 1);
        /* The top of a 32-bit space is refused by a 32-bit table. */
        assert_int_equal(
            stage2_map(&s2, 1UL << bits, 0, PAGE_SIZE, S2_ATTR_RAM),
            -HV_EINVAL);
        assert_int_equal(stage2_map(&s2, (1UL << bits) - PAGE_SIZE, 0,
                                    PAGE_SIZE, S2_ATTR_RAM),
                         0);
    }
    for (i = 0; i < tp.nr; i++) {
        free(tp.pages[i]);
    }
}

static void test_alloc_failure(void **state)
{
    struct table_pool tp = {.budget = 0};
    struct stage2 s2;
    unsigned int i;

    assert_int_equal(stage2_init(&s2, 39, pool_alloc, &tp), -HV_ENOMEM);

    tp.budget = 2; /* root and one level-2 table, no level-3 table */
    assert_int_equal(stage2_init(&s2, 39, pool_alloc, &tp), 0);
    assert_int_equal(
        stage2_map(&s2, 0x40000000, 0x40000000, SZ_2M, S2_ATTR_RAM), 0);
    assert_int_equal(
        stage2_map(&s2, 0x40200000, 0x40201000, PAGE_SIZE, S2_ATTR_RAM),
        -HV_ENOMEM);
    assert_false(stage2_lookup(&s2, 0x40200000, NULL, NULL));
    /* A new 1 GiB region needs a new level-2 table. */
    assert_int_equal(
        stage2_map(&s2, 0x80000000, 0x80000000, SZ_2M, S2_ATTR_RAM),
        -HV_ENOMEM);
    assert_true(stage2_lookup(&s2, 0x40000000, NULL, NULL));
    for (i = 0; i < tp.nr; i++) {
        free(tp.pages[i]);
    }
}

static void test_vtcr(void **state)
{
    struct fixture *f = *state;
    uint64_t v = stage2_vtcr(&f->s2, 2);
    struct stage2 s32 = f->s2;

    assert_int_equal(v & 0x3f, 64 - 39); /* T0SZ */
    assert_int_equal((v >> 6) & 3, 1);   /* SL0: level 1 */
    assert_int_equal((v >> 14) & 3, 0);  /* TG0: 4 KiB */
    assert_int_equal((v >> 16) & 7, 2);  /* PS */
    assert_true(v & (1UL << 31));        /* RES1 */
    assert_int_equal((v >> 8) & 3, 1);   /* IRGN0 */
    assert_int_equal((v >> 10) & 3, 1);  /* ORGN0 */
    assert_int_equal((v >> 12) & 3, 3);  /* SH0 */

    assert_int_equal((stage2_vtcr(&f->s2, 0) >> 16) & 7, 0);
    assert_int_equal((stage2_vtcr(&f->s2, 5) >> 16) & 7, 5);
    assert_int_equal((stage2_vtcr(&f->s2, 6) >> 16) & 7, 5);
    assert_int_equal((stage2_vtcr(&f->s2, 15) >> 16) & 7, 5);

    s32.ipa_bits = 32;
    assert_int_equal(stage2_vtcr(&s32, 1) & 0x3f, 32);
}

#define S2_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        S2_TEST(test_block_when_aligned),
        S2_TEST(test_pages_when_unaligned),
        S2_TEST(test_mixed_blocks_and_pages),
        S2_TEST(test_device_attributes),
        S2_TEST(test_lookup_unmapped),
        S2_TEST(test_overlap_refused),
        S2_TEST(test_bad_arguments),
        cmocka_unit_test(test_ipa_bits_range),
        cmocka_unit_test(test_alloc_failure),
        S2_TEST(test_vtcr),
    };

    return cmocka_run_group_tests_name("stage2", tests, NULL, NULL);
}
