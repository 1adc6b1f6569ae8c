/* SPDX-License-Identifier: MIT */
/*
 * Tests of arch/arm64/esr.c: data-abort syndrome decoding as the MMIO
 * emulation needs it, the syndromes built for injected aborts, and the
 * exception-class names used in logs.
 */
#include "harness.h"

#include <asm/esr.h>

/* Builds a lower-EL data abort ESR with a valid instruction syndrome. */
static uint64_t dabt(unsigned int sas, bool sse, unsigned int srt, bool sf,
                     bool wnr, unsigned int fsc)
{
    uint64_t iss = (1UL << 24) | ((uint64_t)sas << 22) | ((uint64_t)sse << 21) |
                   ((uint64_t)srt << 16) | ((uint64_t)sf << 15) |
                   ((uint64_t)wnr << 6) | fsc;

    return ((uint64_t)EC_DABT_LOW << ESR_EC_SHIFT) | ESR_IL | iss;
}

static void test_dabt_sizes(void **state)
{
    static const unsigned int sizes[] = {1, 2, 4, 8};
    unsigned int sas;

    for (sas = 0; sas < 4; sas++) {
        struct esr_dabt ld =
            esr_decode_dabt(dabt(sas, false, 3, sas == 3, false, 0x07));
        struct esr_dabt st =
            esr_decode_dabt(dabt(sas, false, 4, false, true, 0x06));

        assert_true(ld.valid);
        assert_false(ld.write);
        assert_int_equal(ld.size, sizes[sas]);
        assert_int_equal(ld.reg, 3);
        assert_int_equal(ld.reg64, sas == 3);
        assert_int_equal(ld.fsc, 0x07);
        assert_false(ld.s1ptw);

        assert_true(st.valid);
        assert_true(st.write);
        assert_int_equal(st.size, sizes[sas]);
        assert_int_equal(st.reg, 4);
        assert_false(st.reg64);
        assert_int_equal(st.fsc, 0x06);
    }
}

static void test_dabt_sign_extend_and_sf(void **state)
{
    /* LDRSB x1: byte, sign-extended into a 64-bit register. */
    struct esr_dabt d = esr_decode_dabt(dabt(0, true, 1, true, false, 7));

    assert_true(d.sign_extend);
    assert_true(d.reg64);
    assert_int_equal(d.size, 1);
    /* LDRSH w2: halfword, sign-extended into a 32-bit register. */
    d = esr_decode_dabt(dabt(1, true, 2, false, false, 7));
    assert_true(d.sign_extend);
    assert_false(d.reg64);
    assert_int_equal(d.size, 2);
    /* LDR w5: no sign extension. */
    d = esr_decode_dabt(dabt(2, false, 5, false, false, 7));
    assert_false(d.sign_extend);
    assert_false(d.reg64);
}

static void test_dabt_register_31(void **state)
{
    /* STR xzr: SRT 31 means the zero register here. */
    struct esr_dabt d = esr_decode_dabt(dabt(3, false, 31, true, true, 6));

    assert_int_equal(d.reg, 31);
    assert_true(d.write);
    assert_int_equal(d.size, 8);
}

static void test_dabt_no_isv(void **state)
{
    /* Everything set but ISV: only WnR, S1PTW and DFSC stay meaningful. */
    uint64_t esr = dabt(3, true, 17, true, true, 0x0b) & ~(1UL << 24);
    struct esr_dabt d = esr_decode_dabt(esr);

    assert_false(d.valid);
    assert_int_equal(d.size, 0);
    assert_int_equal(d.reg, 0);
    assert_false(d.sign_extend);
    assert_false(d.reg64);
    assert_true(d.write);
    assert_int_equal(d.fsc, 0x0b);
}

static void test_dabt_s1ptw(void **state)
{
    struct esr_dabt d =
        esr_decode_dabt(dabt(2, false, 0, false, false, 0x05) | (1UL << 7));

    assert_true(d.s1ptw);
    assert_int_equal(d.fsc, 0x05);
    assert_true(esr_fsc_is_translation(d.fsc));
    assert_false(esr_fsc_is_translation(FSC_SEA));
    /* The EC is not part of the ISS decoding. */
    assert_int_equal(esr_ec(dabt(0, false, 0, false, false, 0)), EC_DABT_LOW);
    assert_int_equal(esr_iss(UINT64_MAX), ESR_ISS_MASK);
}

static void test_make_abort(void **state)
{
    uint64_t e;

    e = esr_make_abort(false, false, true, FSC_SEA);
    assert_int_equal(esr_ec(e), EC_DABT_LOW);
    assert_true(e & ESR_IL);
    assert_true(e & (1UL << 6));
    assert_int_equal(e & 0x3f, FSC_SEA);
    assert_int_equal(e >> 32, 0);

    e = esr_make_abort(false, true, false, FSC_SEA);
    assert_int_equal(esr_ec(e), EC_DABT_CUR);
    assert_false(e & (1UL << 6));

    /* Instruction aborts have no WnR, even if asked for. */
    e = esr_make_abort(true, false, true, FSC_TRANS_FAULT_L0);
    assert_int_equal(esr_ec(e), EC_IABT_LOW);
    assert_true(e & ESR_IL);
    assert_false(e & (1UL << 6));
    assert_int_equal(e & 0x3f, FSC_TRANS_FAULT_L0);

    e = esr_make_abort(true, true, false, FSC_SEA);
    assert_int_equal(esr_ec(e), EC_IABT_CUR);

    /* An FSC wider than 6 bits must not leak into other ISS fields. */
    e = esr_make_abort(false, false, false, 0xffu);
    assert_int_equal(e & 0x3f, 0x3f);
    assert_int_equal(e & ~0x3fUL,
                     ((uint64_t)EC_DABT_LOW << ESR_EC_SHIFT) | ESR_IL);
}

static void test_ec_names(void **state)
{
    unsigned int ec;

    for (ec = 0; ec < 64; ec++) {
        const char *n = esr_ec_name(ec);

        assert_non_null(n);
        assert_true(strlen(n) > 0);
    }
    assert_string_equal(esr_ec_name(EC_HVC64), "HVC");
    assert_string_equal(esr_ec_name(EC_DABT_LOW), "data abort (lower EL)");
    assert_non_null(esr_ec_name(64));
    assert_non_null(esr_ec_name(UINT32_MAX));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dabt_sizes),
        cmocka_unit_test(test_dabt_sign_extend_and_sf),
        cmocka_unit_test(test_dabt_register_31),
        cmocka_unit_test(test_dabt_no_isv),
        cmocka_unit_test(test_dabt_s1ptw),
        cmocka_unit_test(test_make_abort),
        cmocka_unit_test(test_ec_names),
    };

    return cmocka_run_group_tests_name("esr", tests, NULL, NULL);
}
