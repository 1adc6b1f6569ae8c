/* SPDX-License-Identifier: MIT */
/*
 * Tests of kernel/mmio.c: region bookkeeping and the dispatch of trapped
 * accesses to the region callbacks, with offsets relative to the region.
 */
#include "harness.h"

#include <hv/errno.h>
#include <hv/mmio.h>

struct fake_dev {
    uint64_t last_off;
    unsigned int last_size;
    uint64_t last_val;
    unsigned int reads;
    unsigned int writes;
};

static int dev_read(void *dev, struct vcpu *v, uint64_t off, unsigned int size,
                    uint64_t *val)
{
    struct fake_dev *d = dev;

    d->reads++;
    d->last_off = off;
    d->last_size = size;
    *val = 0xa5a5 + off;
    return 0;
}

static int dev_write(void *dev, struct vcpu *v, uint64_t off, unsigned int size,
                     uint64_t val)
{
    struct fake_dev *d = dev;

    d->writes++;
    d->last_off = off;
    d->last_size = size;
    d->last_val = val;
    return off == 0xff0 ? -HV_EINVAL : 0;
}

static struct mmio_region region(uint64_t base, uint64_t size,
                                 struct fake_dev *d)
{
    struct mmio_region r = {
        .base = base,
        .size = size,
        .dev = d,
        .read = dev_read,
        .write = dev_write,
    };

    return r;
}

static void test_add_find_access(void **state)
{
    struct mmio_map map = {0};
    struct fake_dev a = {0};
    struct fake_dev b = {0};
    struct mmio_region ra = region(0x09000000, 0x1000, &a);
    struct mmio_region rb = region(0x08000000, 0x10000, &b);
    uint64_t val = 0;

    assert_int_equal(mmio_add(&map, &ra), 0);
    assert_int_equal(mmio_add(&map, &rb), 0);
    assert_int_equal(map.nr, 2);
    assert_ptr_equal(mmio_find(&map, 0x09000000, 4)->dev, &a);
    assert_ptr_equal(mmio_find(&map, 0x0800fffc, 4)->dev, &b);
    assert_null(mmio_find(&map, 0x09001000, 4));
    assert_null(mmio_find(&map, 0x07fffffc, 4));

    assert_int_equal(mmio_access(&map, NULL, 0x09000018, 4, false, &val), 0);
    assert_int_equal(val, 0xa5a5 + 0x18);
    assert_int_equal(a.last_off, 0x18);
    assert_int_equal(a.last_size, 4);
    assert_int_equal(a.reads, 1);

    val = 0x41;
    assert_int_equal(mmio_access(&map, NULL, 0x08000100, 1, true, &val), 0);
    assert_int_equal(b.writes, 1);
    assert_int_equal(b.last_off, 0x100);
    assert_int_equal(b.last_size, 1);
    assert_int_equal(b.last_val, 0x41);
    assert_int_equal(a.writes, 0);

    /* A callback's own error is passed back to the caller. */
    assert_int_equal(mmio_access(&map, NULL, 0x08000ff0, 4, true, &val),
                     -HV_EINVAL);
    /* Nothing there. */
    assert_int_equal(mmio_access(&map, NULL, 0x0a000000, 4, false, &val),
                     -HV_EFAULT);
}

static void test_overlap(void **state)
{
    struct mmio_map map = {0};
    struct fake_dev d = {0};
    struct mmio_region r = region(0x1000, 0x1000, &d);

    assert_int_equal(mmio_add(&map, &r), 0);
    r = region(0x1000, 0x1000, &d);
    assert_int_equal(mmio_add(&map, &r), -HV_EEXIST);
    r = region(0x0800, 0x1000, &d);
    assert_int_equal(mmio_add(&map, &r), -HV_EEXIST);
    r = region(0x1fff, 0x10, &d);
    assert_int_equal(mmio_add(&map, &r), -HV_EEXIST);
    r = region(0x0000, 0x10000, &d);
    assert_int_equal(mmio_add(&map, &r), -HV_EEXIST);
    r = region(0x1100, 0x10, &d);
    assert_int_equal(mmio_add(&map, &r), -HV_EEXIST);
    assert_int_equal(map.nr, 1);
    /* Touching on either side is fine. */
    r = region(0x0000, 0x1000, &d);
    assert_int_equal(mmio_add(&map, &r), 0);
    r = region(0x2000, 0x1000, &d);
    assert_int_equal(mmio_add(&map, &r), 0);
    assert_int_equal(map.nr, 3);
}

static void test_full(void **state)
{
    struct mmio_map map = {0};
    struct fake_dev d = {0};
    struct mmio_region r;
    unsigned int i;

    for (i = 0; i < VM_MAX_MMIO_REGIONS; i++) {
        r = region(0x10000 * (i + 1), 0x1000, &d);
        assert_int_equal(mmio_add(&map, &r), 0);
    }
    r = region(0x10000000, 0x1000, &d);
    assert_int_equal(mmio_add(&map, &r), -HV_ENOSPC);
    assert_int_equal(map.nr, VM_MAX_MMIO_REGIONS);
    assert_null(mmio_find(&map, 0x10000000, 4));
}

static void test_straddle_end(void **state)
{
    struct mmio_map map = {0};
    struct fake_dev d = {0};
    struct mmio_region r = region(0x9000000, 0x1000, &d);
    uint64_t val = 0;

    assert_int_equal(mmio_add(&map, &r), 0);
    assert_non_null(mmio_find(&map, 0x9000ffc, 4));
    assert_non_null(mmio_find(&map, 0x9000ff8, 8));
    assert_null(mmio_find(&map, 0x9000ffe, 4));
    assert_null(mmio_find(&map, 0x9000ffc, 8));
    assert_null(mmio_find(&map, 0x8fffffe, 4));
    assert_int_equal(mmio_access(&map, NULL, 0x9000ffe, 4, false, &val),
                     -HV_EFAULT);
    assert_int_equal(mmio_access(&map, NULL, 0x9000ffe, 4, true, &val),
                     -HV_EFAULT);
    assert_int_equal(d.reads + d.writes, 0);
}

static void test_bad_regions(void **state)
{
    struct mmio_map map = {0};
    struct fake_dev d = {0};
    struct mmio_region r = region(0x1000, 0, &d);

    assert_int_equal(mmio_add(&map, &r), -HV_EINVAL);
    r = region(UINT64_MAX - 0xfff, 0x2000, &d);
    assert_int_equal(mmio_add(&map, &r), -HV_EINVAL);
    assert_int_equal(map.nr, 0);
    assert_null(mmio_find(&map, 0x1000, 1));
}

static void test_missing_callbacks(void **state)
{
    struct mmio_map map = {0};
    struct fake_dev d = {0};
    struct mmio_region ro = region(0x1000, 0x1000, &d);
    struct mmio_region wo = region(0x2000, 0x1000, &d);
    uint64_t val = 0x1234;

    ro.write = NULL;
    wo.read = NULL;
    assert_int_equal(mmio_add(&map, &ro), 0);
    assert_int_equal(mmio_add(&map, &wo), 0);
    assert_int_equal(mmio_access(&map, NULL, 0x1000, 4, true, &val),
                     -HV_EFAULT);
    assert_int_equal(mmio_access(&map, NULL, 0x2000, 4, false, &val),
                     -HV_EFAULT);
    assert_int_equal(mmio_access(&map, NULL, 0x1000, 4, false, &val), 0);
    assert_int_equal(mmio_access(&map, NULL, 0x2000, 4, true, &val), 0);
    assert_int_equal(d.reads, 1);
    assert_int_equal(d.writes, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_find_access),
        cmocka_unit_test(test_overlap),
        cmocka_unit_test(test_full),
        cmocka_unit_test(test_straddle_end),
        cmocka_unit_test(test_bad_regions),
        cmocka_unit_test(test_missing_callbacks),
    };

    return cmocka_run_group_tests_name("mmio", tests, NULL, NULL);
}
