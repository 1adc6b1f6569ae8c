/* SPDX-License-Identifier: MIT */
/*
 * Tests of drivers/emul/vpl011.c with kernel/console.c: guest bytes become
 * "[name] text" lines on the host console (LF sent as CR LF), long lines
 * are split, control bytes are masked; the registers a driver probes read
 * back what they should; bad access sizes and alignments fault; the
 * interrupt line follows the TX interrupt mask.
 */
#include "harness.h"

#include <drivers/vpl011.h>
#include <fake/arch.h>
#include <hv/config.h>
#include <hv/console.h>
#include <hv/errno.h>

#define DR 0x000
#define FR 0x018
#define IBRD 0x024
#define LCR_H 0x02c
#define CR 0x030
#define IMSC 0x038
#define RIS 0x03c
#define MIS 0x040
#define PERIPHID0 0xfe0
#define PCELLID0 0xff0

static char out[4096];
static size_t out_len;

static void capture_putc(void *ctx, char c)
{
    assert_true(out_len < sizeof(out) - 1);
    out[out_len++] = c;
    out[out_len] = '\0';
}

struct fixture {
    struct vpl011 u;
    struct console_line line;
};

static int setup(void **state)
{
    static const struct console_ops ops = {capture_putc, NULL};
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL) {
        return -1;
    }
    console_register(&ops);
    out_len = 0;
    out[0] = '\0';
    fake_arch_reset();
    vpl011_init(&f->u, NULL, &f->line, "vm1");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

static void put_str(struct fixture *f, const char *s)
{
    for (; *s != '\0'; s++) {
        assert_int_equal(vpl011_write(&f->u, NULL, DR, 4, (unsigned char)*s),
                         0);
    }
}

static uint64_t rd(struct fixture *f, uint64_t off, unsigned int size)
{
    uint64_t v = 0xdeadbeef;

    assert_int_equal(vpl011_read(&f->u, NULL, off, size, &v), 0);
    return v;
}

static void test_lines(void **state)
{
    struct fixture *f = *state;

    put_str(f, "hello");
    assert_int_equal(out_len, 0); /* nothing until the line ends */
    put_str(f, "\r\nworld\n");
    assert_string_equal(out, "[vm1] hello\r\n[vm1] world\r\n");
    /* An empty line is still a line. */
    put_str(f, "\n");
    assert_string_equal(out + strlen("[vm1] hello\r\n[vm1] world\r\n"),
                        "[vm1] \r\n");
}

static void test_flush(void **state)
{
    struct fixture *f = *state;

    console_guest_flush(&f->line, "vm1");
    assert_int_equal(out_len, 0);
    put_str(f, "partial");
    console_guest_flush(&f->line, "vm1");
    assert_string_equal(out, "[vm1] partial\r\n");
}

static void test_console_write_crlf(void **state)
{
    console_write("a\nb\n", 4);
    assert_string_equal(out, "a\r\nb\r\n");
}

static void test_long_line_split(void **state)
{
    struct fixture *f = *state;
    char want[512];
    char line[sizeof(f->line.buf) + 1];
    size_t i;

    for (i = 0; i < sizeof(f->line.buf) + 10; i++) {
        assert_int_equal(vpl011_write(&f->u, NULL, DR, 1, 'a' + i % 26), 0);
    }
    put_str(f, "\n");
    for (i = 0; i < sizeof(f->line.buf); i++) {
        line[i] = (char)('a' + i % 26);
    }
    line[sizeof(f->line.buf)] = '\0';
    snprintf(want, sizeof(want), "[vm1] %s\r\n[vm1] ", line);
    for (i = sizeof(f->line.buf); i < sizeof(f->line.buf) + 10; i++) {
        size_t n = strlen(want);

        want[n] = (char)('a' + i % 26);
        want[n + 1] = '\0';
    }
    strcat(want, "\r\n");
    assert_string_equal(out, want);
}

static void test_control_bytes(void **state)
{
    struct fixture *f = *state;

    put_str(f, "a\x1b[31mb\tc\x01");
    put_str(f, "\n");
    /* ESC and 0x01 masked, TAB kept, bytes >= 0x80 passed on. */
    assert_string_equal(out, "[vm1] a.[31mb\tc.\r\n");
}

static void test_del_masked(void **state)
{
    struct fixture *f = *state;

    /* DEL (0x7f) is a control byte too (iscntrl()); it must not reach
     * the host terminal raw. */
    put_str(f, "a\x7f");
    put_str(f, "\n");
    assert_string_equal(out, "[vm1] a.\r\n");
}

static void test_fr_and_ids(void **state)
{
    static const uint8_t ids[8] = {0x11, 0x10, 0x14, 0x00,
                                   0x0d, 0xf0, 0x05, 0xb1};
    struct fixture *f = *state;
    unsigned int i;

    assert_int_equal(rd(f, FR, 4), (1U << 7) | (1U << 4));
    assert_int_equal(rd(f, DR, 4), 0);
    for (i = 0; i < 4; i++) {
        assert_int_equal(rd(f, PERIPHID0 + 4 * i, 4), ids[i]);
        assert_int_equal(rd(f, PCELLID0 + 4 * i, 4), ids[4 + i]);
    }
    /* Writes to read-only registers are ignored. */
    assert_int_equal(vpl011_write(&f->u, NULL, FR, 4, 0), 0);
    assert_int_equal(vpl011_write(&f->u, NULL, PERIPHID0, 4, 0x55), 0);
    assert_int_equal(rd(f, FR, 4), (1U << 7) | (1U << 4));
    assert_int_equal(rd(f, PERIPHID0, 4), 0x11);
}

static void test_registers_read_back(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(rd(f, CR, 4), 0x300);
    assert_int_equal(vpl011_write(&f->u, NULL, CR, 4, 0xffff0301), 0);
    assert_int_equal(rd(f, CR, 4), 0x0301);
    assert_int_equal(vpl011_write(&f->u, NULL, LCR_H, 4, 0x1270), 0);
    assert_int_equal(rd(f, LCR_H, 4), 0x70);
    assert_int_equal(vpl011_write(&f->u, NULL, IMSC, 4, 0xffffffff), 0);
    assert_int_equal(rd(f, IMSC, 4), 0x7ff);
    assert_int_equal(vpl011_write(&f->u, NULL, IBRD, 4, 0x12345), 0);
    assert_int_equal(rd(f, IBRD, 4), 0x2345);
    assert_int_equal(rd(f, RIS, 4), 1U << 5);
    assert_int_equal(rd(f, MIS, 4), 1U << 5);
    assert_int_equal(vpl011_write(&f->u, NULL, IMSC, 4, 0), 0);
    assert_int_equal(rd(f, MIS, 4), 0);
}

static void test_narrow_reads(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(vpl011_write(&f->u, NULL, CR, 4, 0xb301), 0);
    assert_int_equal(rd(f, CR, 1), 0x01);
    assert_int_equal(rd(f, CR + 1, 1), 0xb3);
    assert_int_equal(rd(f, CR + 2, 1), 0);
    assert_int_equal(rd(f, CR, 2), 0xb301);
    assert_int_equal(rd(f, CR + 2, 2), 0);
    assert_int_equal(rd(f, FR, 1), 0x90);
    assert_int_equal(rd(f, PERIPHID0 + 4 * 3, 1), 0x00);
    assert_int_equal(rd(f, PCELLID0 + 4 * 3, 1), 0xb1);
    /* A byte write to DR prints it. */
    assert_int_equal(vpl011_write(&f->u, NULL, DR, 1, 'x'), 0);
    assert_int_equal(vpl011_write(&f->u, NULL, DR, 2, '\n'), 0);
    assert_string_equal(out, "[vm1] x\r\n");
}

static void test_bad_accesses(void **state)
{
    struct fixture *f = *state;
    uint64_t v = 0x1234;

    assert_int_equal(vpl011_read(&f->u, NULL, CR, 8, &v), -HV_EFAULT);
    assert_int_equal(vpl011_write(&f->u, NULL, DR, 8, 'x'), -HV_EFAULT);
    assert_int_equal(vpl011_read(&f->u, NULL, CR + 1, 2, &v), -HV_EFAULT);
    assert_int_equal(vpl011_read(&f->u, NULL, CR + 2, 4, &v), -HV_EFAULT);
    assert_int_equal(vpl011_write(&f->u, NULL, DR + 1, 2, 'x'), -HV_EFAULT);
    assert_int_equal(vpl011_write(&f->u, NULL, CR + 2, 4, 0), -HV_EFAULT);
    assert_int_equal(v, 0x1234);
    assert_int_equal(rd(f, CR, 4), 0x300);
    assert_int_equal(out_len, 0);
}

static void test_irq_line(void **state)
{
    struct fixture *f = *state;
    struct vm *vm = (struct vm *)(void *)f; /* any non-NULL handle */

    vpl011_init(&f->u, vm, &f->line, "vm1");
    /* Unmasking TXIM raises the line (TX always has room). */
    assert_int_equal(vpl011_write(&f->u, NULL, IMSC, 4, 1U << 5), 0);
    assert_int_equal(fake_irq_line()->calls, 1);
    assert_ptr_equal(fake_irq_line()->vm, vm);
    assert_int_equal(fake_irq_line()->spi, VM_UART_SPI);
    assert_true(fake_irq_line()->level);
    /* No change, no call. */
    put_str(f, "x");
    assert_int_equal(fake_irq_line()->calls, 1);
    /* Masking lowers it again. */
    assert_int_equal(vpl011_write(&f->u, NULL, IMSC, 4, 0), 0);
    assert_int_equal(fake_irq_line()->calls, 2);
    assert_false(fake_irq_line()->level);
    /* Without a VM (as in setup()), nothing is driven. */
    vpl011_init(&f->u, NULL, &f->line, "vm1");
    assert_int_equal(vpl011_write(&f->u, NULL, IMSC, 4, 1U << 5), 0);
    assert_int_equal(fake_irq_line()->calls, 2);
}

#define UART_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        UART_TEST(test_lines),
        UART_TEST(test_flush),
        UART_TEST(test_console_write_crlf),
        UART_TEST(test_long_line_split),
        UART_TEST(test_fr_and_ids),
        UART_TEST(test_registers_read_back),
        UART_TEST(test_narrow_reads),
        UART_TEST(test_bad_accesses),
        UART_TEST(test_irq_line),
        UART_TEST(test_control_bytes),
        UART_TEST(test_del_masked),
    };

    return cmocka_run_group_tests_name("vpl011", tests, NULL, NULL);
}
