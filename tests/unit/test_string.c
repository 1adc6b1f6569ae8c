/* SPDX-License-Identifier: MIT */
/*
 * Tests of the hypervisor's memcpy and memset (kernel/lib/string.c),
 * built here under other names so that the host's stay in use: every
 * length up to a few words past the unrolled loop, every source and
 * destination offset modulo 16 (aligned words, shifted words, bytes),
 * against a byte-by-byte reference; bytes around the destination must
 * stay untouched. The shifted copy reads whole aligned source words, so
 * sources sit inside larger buffers here, as they do in the hypervisor
 * (never across a page's end: see copy_shifted).
 */
#include "harness.h"

#include <stdbool.h>

#define memcpy hv_memcpy
#define memset hv_memset
#include "../../kernel/lib/string.c"
#undef memcpy
#undef memset

#define BUF 512
#define MAX_LEN 200
#define GUARD 0xa5

static void fill(uint8_t *b, size_t n, unsigned int seed)
{
    size_t i;

    for (i = 0; i < n; i++) {
        b[i] = (uint8_t)(i * 131 + seed * 17 + (i >> 8));
    }
}

static void test_memcpy_all_offsets(void **state)
{
    _Alignas(16) uint8_t src[BUF];
    _Alignas(16) uint8_t dst[BUF];
    unsigned int so, doff;
    size_t n, i;

    (void)state;
    fill(src, sizeof(src), 1);
    for (so = 0; so < 16; so++) {
        for (doff = 0; doff < 16; doff++) {
            for (n = 0; n <= MAX_LEN; n++) {
                uint8_t *d = dst + 16 + doff;

                memset(dst, GUARD, sizeof(dst));
                assert_ptr_equal(hv_memcpy(d, src + 16 + so, n), d);
                for (i = 0; i < 16 + doff; i++) {
                    assert_int_equal(dst[i], GUARD);
                }
                if (n != 0) {
                    assert_memory_equal(d, src + 16 + so, n);
                }
                for (i = 16 + doff + n; i < sizeof(dst); i++) {
                    assert_int_equal(dst[i], GUARD);
                }
            }
        }
    }
}

static void test_memcpy_large_shifted(void **state)
{
    static _Alignas(16) uint8_t src[70000];
    static _Alignas(16) uint8_t dst[70000];

    (void)state;
    fill(src, sizeof(src), 7);
    hv_memcpy(dst + 8, src + 14, 65550); /* a GSO frame behind a header */
    assert_memory_equal(dst + 8, src + 14, 65550);
    hv_memcpy(dst + 3, src + 12, 65550);
    assert_memory_equal(dst + 3, src + 12, 65550);
}

static void test_memset_all_offsets(void **state)
{
    _Alignas(16) uint8_t dst[BUF];
    unsigned int doff;
    size_t n, i;

    (void)state;
    for (doff = 0; doff < 16; doff++) {
        for (n = 0; n <= MAX_LEN; n++) {
            uint8_t *d = dst + 16 + doff;

            memset(dst, GUARD, sizeof(dst));
            assert_ptr_equal(hv_memset(d, 0x3c, n), d);
            for (i = 0; i < sizeof(dst); i++) {
                bool in = i >= 16 + doff && i < 16 + doff + n;

                assert_int_equal(dst[i], in ? 0x3c : GUARD);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memcpy_all_offsets),
        cmocka_unit_test(test_memcpy_large_shifted),
        cmocka_unit_test(test_memset_all_offsets),
    };

    return cmocka_run_group_tests_name("string", tests, NULL, NULL);
}
