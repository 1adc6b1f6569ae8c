/* SPDX-License-Identifier: MIT */
/*
 * Tests of the guest-facing virtio-mmio transport (drivers/virtio/
 * virtio_mmio_dev.c) with the virtio-console backend, driven as a guest
 * driver would through the register file, on a fake guest RAM:
 * identification, feature negotiation (nothing beyond what is offered,
 * VERSION_1 required), a transmitted chain reaching the labelled console
 * and coming back used with an interrupt, interrupt acknowledge, and the
 * hostile cases: bad queue sizes and ring addresses, device-writable
 * buffers in the transmit queue, malformed chains, bad access sizes. Each
 * sets DEVICE_NEEDS_RESET with a configuration interrupt, and a reset
 * (status 0) brings the device back. Last, with a second thread as a
 * device type's copy in flight (virtio_dev_copy_begin): register reads
 * and notifies go on meanwhile, a reset or a disabled queue waits for it.
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep */

#include "harness.h"
#include "harness/virtio_regs.h"

#include <drivers/virtio_console.h>
#include <drivers/virtio_mmio.h>
#include <fake/arch.h>
#include <hv/console.h>
#include <hv/errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#define RAM_GPA 0x40000000ULL
#define RAM_SIZE 0x10000
#define DESC_OFF 0x0000
#define AVAIL_OFF 0x1000
#define USED_OFF 0x2000
#define DATA_OFF 0x3000
#define QNUM 8
#define SPI 16

static _Alignas(4096) uint8_t ram[RAM_SIZE];
static char out[8192];
static size_t out_len;

static void capture_putc(void *ctx, char c)
{
    if (out_len < sizeof(out) - 1) {
        out[out_len++] = c;
        out[out_len] = '\0';
    }
}

static void *fake_translate(void *ctx, uint64_t gpa, uint64_t len)
{
    if (gpa < RAM_GPA || len > RAM_SIZE || gpa - RAM_GPA > RAM_SIZE - len) {
        return NULL;
    }
    return ram + (gpa - RAM_GPA);
}

static int setup(void **state)
{
    static const struct console_ops ops = {capture_putc, NULL};
    static const struct virtq_mem mem = {fake_translate, NULL};
    struct virtio_console *c = calloc(1, sizeof(*c));

    if (c == NULL) {
        return -1;
    }
    console_register(&ops);
    out_len = 0;
    out[0] = '\0';
    memset(ram, 0, sizeof(ram));
    fake_arch_reset();
    virtio_console_init(c, NULL, SPI, &mem, "vm1");
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

/* Negotiates VERSION_1 and sets up queue qi with QNUM entries. */
static void driver_init(struct virtio_dev *d, unsigned int qi)
{
    wr(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
    wr(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES, 1); /* VERSION_1 */
    wr(d, VIRTIO_MMIO_STATUS,
       VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
           VIRTIO_STATUS_FEATURES_OK);
    assert_true(rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
    wr(d, VIRTIO_MMIO_QUEUE_SEL, qi);
    assert_int_equal(rd(d, VIRTIO_MMIO_QUEUE_NUM_MAX), 128);
    wr(d, VIRTIO_MMIO_QUEUE_NUM, QNUM);
    wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)(RAM_GPA + DESC_OFF));
    wr(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
    wr(d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)(RAM_GPA + AVAIL_OFF));
    wr(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)(RAM_GPA + USED_OFF));
    wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
    wr(d, VIRTIO_MMIO_STATUS,
       VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
           VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

static void put_desc(unsigned int i, uint64_t gpa, uint32_t len, uint16_t flags,
                     uint16_t next)
{
    uint8_t *p = ram + DESC_OFF + 16 * i;

    memcpy(p, &gpa, 8);
    memcpy(p + 8, &len, 4);
    memcpy(p + 12, &flags, 2);
    memcpy(p + 14, &next, 2);
}

/* Makes head available in slot `slot` and publishes idx = slot + 1. */
static void make_avail(uint16_t slot, uint16_t head)
{
    uint16_t idx = (uint16_t)(slot + 1);

    memcpy(ram + AVAIL_OFF + 4 + 2 * (slot % QNUM), &head, 2);
    memcpy(ram + AVAIL_OFF + 2, &idx, 2);
}

static uint16_t used_idx(void)
{
    uint16_t idx;

    memcpy(&idx, ram + USED_OFF + 2, 2);
    return idx;
}

static bool needs_reset(struct virtio_dev *d)
{
    return (rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) != 0;
}

static void test_identity(void **state)
{
    struct virtio_dev *d = *state;
    uint64_t val;

    assert_int_equal(rd(d, VIRTIO_MMIO_MAGIC_VALUE), VIRTIO_MMIO_MAGIC);
    assert_int_equal(rd(d, VIRTIO_MMIO_VERSION), 2);
    assert_int_equal(rd(d, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_CONSOLE);
    wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    assert_int_equal(rd(d, VIRTIO_MMIO_DEVICE_FEATURES), 1);
    wr(d, VIRTIO_MMIO_QUEUE_SEL, 2); /* no such queue */
    assert_int_equal(rd(d, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
    /* Config space by byte; registers only as aligned words. */
    assert_int_equal(virtio_dev_read(d, NULL, VIRTIO_MMIO_CONFIG, 1, &val), 0);
    assert_int_equal(virtio_dev_read(d, NULL, VIRTIO_MMIO_STATUS, 2, &val),
                     -HV_EFAULT);
    assert_int_equal(virtio_dev_read(d, NULL, VIRTIO_MMIO_STATUS + 1, 4, &val),
                     -HV_EFAULT);
    assert_int_equal(virtio_dev_write(d, NULL, VIRTIO_MMIO_STATUS, 1, 0),
                     -HV_EFAULT);
}

static void test_features_checked(void **state)
{
    struct virtio_dev *d = *state;
    const uint32_t feat_ok = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                             VIRTIO_STATUS_FEATURES_OK;

    /* No VERSION_1 (legacy): refused. */
    wr(d, VIRTIO_MMIO_STATUS, feat_ok);
    assert_false(rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
    /* A feature that was not offered (EVENT_IDX): refused. */
    wr(d, VIRTIO_MMIO_STATUS, 0);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES, 1U << VIRTIO_F_EVENT_IDX);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES, 1);
    wr(d, VIRTIO_MMIO_STATUS, feat_ok);
    assert_false(rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
    /* VERSION_1 alone: accepted. */
    wr(d, VIRTIO_MMIO_STATUS, 0);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES, 1);
    wr(d, VIRTIO_MMIO_STATUS, feat_ok);
    assert_true(rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
}

/* A two-segment chain on the transmit queue prints one labelled line,
 * comes back used and raises the interrupt until acknowledged. */
static void test_transmit(void **state)
{
    struct virtio_dev *d = *state;

    driver_init(d, 1);
    memcpy(ram + DATA_OFF, "hello ", 6);
    memcpy(ram + DATA_OFF + 0x100, "world\n", 6);
    put_desc(0, RAM_GPA + DATA_OFF, 6, VIRTQ_DESC_F_NEXT, 1);
    put_desc(1, RAM_GPA + DATA_OFF + 0x100, 6, 0, 0);
    make_avail(0, 0);
    wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
    assert_non_null(strstr(out, "[vm1] hello world"));
    assert_int_equal(used_idx(), 1);
    assert_int_equal(rd(d, VIRTIO_MMIO_INTERRUPT_STATUS),
                     VIRTIO_MMIO_INT_VRING);
    assert_int_equal(fake_irq_line()->spi, SPI);
    assert_true(fake_irq_line()->level);
    wr(d, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
    assert_false(fake_irq_line()->level);
    assert_false(needs_reset(d));
    /* Buffers on the receive queue stay there: nothing to receive. */
    wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    assert_int_equal(used_idx(), 1);
}

/* Hostile drivers: each case ends in DEVICE_NEEDS_RESET plus a config
 * interrupt and no output; status 0 then revives the device. */
static void expect_failed_then_reset(struct virtio_dev *d)
{
    assert_true(needs_reset(d));
    assert_true(rd(d, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
    assert_true(fake_irq_line()->level);
    wr(d, VIRTIO_MMIO_STATUS, 0);
    assert_false(needs_reset(d));
    assert_int_equal(rd(d, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
    assert_false(fake_irq_line()->level);
}

static void test_bad_queue_layout(void **state)
{
    struct virtio_dev *d = *state;

    /* Queue size not a power of two. */
    wr(d, VIRTIO_MMIO_QUEUE_SEL, 1);
    wr(d, VIRTIO_MMIO_QUEUE_NUM, 3);
    wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)(RAM_GPA + DESC_OFF));
    wr(d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)(RAM_GPA + AVAIL_OFF));
    wr(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)(RAM_GPA + USED_OFF));
    wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
    assert_int_equal(rd(d, VIRTIO_MMIO_QUEUE_READY), 0);
    expect_failed_then_reset(d);
    /* Rings outside the guest's RAM (here: in the hypervisor's). */
    wr(d, VIRTIO_MMIO_QUEUE_SEL, 1);
    wr(d, VIRTIO_MMIO_QUEUE_NUM, QNUM);
    wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x1000);
    wr(d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)(RAM_GPA + AVAIL_OFF));
    wr(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)(RAM_GPA + USED_OFF));
    wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
    expect_failed_then_reset(d);
    /* Larger than QueueNumMax. */
    wr(d, VIRTIO_MMIO_QUEUE_SEL, 1);
    wr(d, VIRTIO_MMIO_QUEUE_NUM, 256);
    wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)(RAM_GPA + DESC_OFF));
    wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
    expect_failed_then_reset(d);
}

static void test_writable_tx_buffer(void **state)
{
    struct virtio_dev *d = *state;

    driver_init(d, 1);
    put_desc(0, RAM_GPA + DATA_OFF, 16, VIRTQ_DESC_F_WRITE, 0);
    make_avail(0, 0);
    wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
    assert_int_equal(out_len, 0);
    assert_int_equal(used_idx(), 0);
    expect_failed_then_reset(d);
    /* Working again after the reset. */
    memset(ram, 0, sizeof(ram));
    driver_init(d, 1);
    memcpy(ram + DATA_OFF, "again\n", 6);
    put_desc(0, RAM_GPA + DATA_OFF, 6, 0, 0);
    make_avail(0, 0);
    wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
    assert_non_null(strstr(out, "[vm1] again"));
}

static void test_malformed_chains(void **state)
{
    struct virtio_dev *d = *state;
    static const struct {
        uint64_t gpa;
        uint32_t len;
        uint16_t flags;
        uint16_t next;
    } cases[] = {
        {RAM_GPA + RAM_SIZE - 4, 16, 0, 0},             /* runs past the RAM */
        {0x09000000, 16, 0, 0},                         /* the UART, not RAM */
        {RAM_GPA + DATA_OFF, 0, 0, 0},                  /* zero length */
        {RAM_GPA + DATA_OFF, 16, VIRTQ_DESC_F_NEXT, 0}, /* loop to itself */
        {RAM_GPA + DATA_OFF, 16, VIRTQ_DESC_F_NEXT, QNUM},  /* next too big */
        {RAM_GPA + DATA_OFF, 16, VIRTQ_DESC_F_INDIRECT, 0}, /* not offered */
    };
    unsigned int i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(ram, 0, sizeof(ram));
        driver_init(d, 1);
        put_desc(0, cases[i].gpa, cases[i].len, cases[i].flags, cases[i].next);
        make_avail(0, 0);
        wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
        assert_int_equal(used_idx(), 0);
        expect_failed_then_reset(d);
    }
    /* A head index beyond the queue. */
    memset(ram, 0, sizeof(ram));
    driver_init(d, 1);
    make_avail(0, QNUM + 3);
    wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
    expect_failed_then_reset(d);
    assert_int_equal(out_len, 0);
}

/* Ring addresses are fixed once the queue is ready: later writes are
 * ignored, so the checks done at setup stay true. */
static void test_layout_frozen_when_ready(void **state)
{
    struct virtio_dev *d = *state;

    driver_init(d, 1);
    wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x1000);
    wr(d, VIRTIO_MMIO_QUEUE_NUM, 2);
    memcpy(ram + DATA_OFF, "still\n", 6);
    put_desc(0, RAM_GPA + DATA_OFF, 6, 0, 0);
    make_avail(0, 0);
    wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
    assert_non_null(strstr(out, "[vm1] still"));
    assert_false(needs_reset(d));
}

/* A device type's copy on another CPU: from virtio_dev_copy_begin until
 * `release` is set or hold_ms passed, then virtio_dev_copy_end. */
struct copier {
    struct virtio_dev *d;
    unsigned int hold_ms;
    int started, release, ended;
    pthread_t thread;
};

static void *copier_run(void *arg)
{
    struct copier *c = arg;
    const struct timespec ms = {0, 1000000};
    unsigned int i;

    spin_lock(&c->d->lock);
    virtio_dev_copy_begin(c->d);
    __atomic_store_n(&c->started, 1, __ATOMIC_SEQ_CST);
    for (i = 0;
         i < c->hold_ms && !__atomic_load_n(&c->release, __ATOMIC_SEQ_CST);
         i++) {
        nanosleep(&ms, NULL);
    }
    __atomic_store_n(&c->ended, 1, __ATOMIC_SEQ_CST);
    virtio_dev_copy_end(c->d);
    spin_unlock(&c->d->lock);
    return NULL;
}

static void copier_start(struct copier *c, struct virtio_dev *d,
                         unsigned int hold_ms)
{
    memset(c, 0, sizeof(*c));
    c->d = d;
    c->hold_ms = hold_ms;
    assert_int_equal(pthread_create(&c->thread, NULL, copier_run, c), 0);
    while (!__atomic_load_n(&c->started, __ATOMIC_SEQ_CST)) {
        sched_yield();
    }
}

/* The guest's register accesses do not wait for a copy in flight. */
static void test_access_during_copy(void **state)
{
    struct virtio_dev *d = *state;
    struct copier c;

    driver_init(d, 1);
    copier_start(&c, d, 10000);
    assert_int_equal(rd(d, VIRTIO_MMIO_MAGIC_VALUE), VIRTIO_MMIO_MAGIC);
    (void)rd(d, VIRTIO_MMIO_INTERRUPT_STATUS);
    wr(d, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
    wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
    assert_int_equal(__atomic_load_n(&c.ended, __ATOMIC_SEQ_CST), 0);
    __atomic_store_n(&c.release, 1, __ATOMIC_SEQ_CST);
    assert_int_equal(pthread_join(c.thread, NULL), 0);
}

static void write_status_0(struct virtio_dev *d)
{
    wr(d, VIRTIO_MMIO_STATUS, 0);
}

static void disable_queue(struct virtio_dev *d)
{
    wr(d, VIRTIO_MMIO_QUEUE_READY, 0);
}

/* With a 50 ms copy in flight on the live device, act only returns after
 * the copy ended; then register reg reads 0. */
static void expect_waits_for_copy(struct virtio_dev *d,
                                  void (*act)(struct virtio_dev *d),
                                  uint64_t reg)
{
    struct copier c;

    driver_init(d, 1);
    copier_start(&c, d, 50);
    act(d);
    assert_int_equal(__atomic_load_n(&c.ended, __ATOMIC_SEQ_CST), 1);
    assert_int_equal(pthread_join(c.thread, NULL), 0);
    assert_int_equal(rd(d, reg), 0);
}

/* A reset, a queue disabled and a reset from the host take the buffers
 * and rings away from the device: each waits until the copy ended. */
static void test_reset_waits_for_copy(void **state)
{
    struct virtio_dev *d = *state;

    expect_waits_for_copy(d, write_status_0, VIRTIO_MMIO_STATUS);
    expect_waits_for_copy(d, disable_queue, VIRTIO_MMIO_QUEUE_READY);
    expect_waits_for_copy(d, virtio_dev_reset, VIRTIO_MMIO_STATUS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_features_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transmit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_queue_layout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writable_tx_buffer, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_malformed_chains, setup, teardown),
        cmocka_unit_test_setup_teardown(test_layout_frozen_when_ready, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_access_during_copy, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reset_waits_for_copy, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
