/* SPDX-License-Identifier: MIT */
/*
 * vqhostile: a guest driver for its virtio-blk device (slot 0,
 * 0x0a000000) that submits every kind of malformed virtqueue Shoji must
 * survive: rings outside its RAM, a queue size that is not a power of two,
 * a head or next index out of range, buffers outside or straddling the end
 * of its RAM, a descriptor loop, a chain longer than the queue, zero and
 * huge lengths, a device-readable buffer after a device-writable one, a
 * read whose data is device-readable, a request without a status byte, an
 * indirect descriptor that was not negotiated and an avail index running
 * ahead. Each must set DEVICE_NEEDS_RESET with a configuration interrupt
 * and nothing else; a reset must bring the device back, a well-formed
 * write and read-back must then work, and a request past the end of its
 * disk must get IOERR. With bootargs "seconds=N" it goes on submitting
 * the malformations for N seconds (reporting each case once, failing it if
 * any round went wrong), so that other guests' I/O runs meanwhile.
 *
 * Each round also sends hostile frames through its virtio-net device
 * (slot 1; net.c): offload headers Shoji must refuse without a reset (a
 * segmentation bomb among them), frames it must pass to the switch, and a
 * malformed transmit chain that must set DEVICE_NEEDS_RESET. Those kinds
 * are reported after the virtio-blk tests, so that their numbers stay.
 * With bootargs "netstop" it only sets its virtio-net device up (receive
 * buffers posted) and stops at once without resetting it: Shoji must
 * reset it with the VM, so that frames flooded to its port afterwards are
 * dropped there, not written into the stopped VM's buffers.
 * Runs with the MMU off: every access is aligned.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../drivers/include/drivers/virtio_mmio.h"
#include "dtb.h"
#include "mmio.h"
#include "net.h"
#include "runtime.h"
#include "test.h"
#include "timer.h"

#define VQ_DEV 0x0a000000UL
#define VQ_NUM 8
#define VQ_RAM_BASE 0x40000000UL
#define F_NEXT 1
#define F_WRITE 2
#define F_INDIRECT 4
/* How long the device may take to answer a request (virtual time). */
#define VQ_WAIT_US 2000000U

struct vq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

static struct {
    _Alignas(4096) struct vq_desc desc[VQ_NUM];
    _Alignas(4096) volatile uint16_t avail[2 + VQ_NUM + 1];
    _Alignas(4096) volatile uint32_t used[1 + 2 * VQ_NUM + 1];
    _Alignas(4096) uint8_t hdr[16];
    _Alignas(64) volatile uint8_t status;
    _Alignas(4096) uint8_t data[1024];
} vq;

static uint64_t ram_size;
/* Cases in this round; round 0 reports, later rounds only count. */
static unsigned int round_nr;
static unsigned int case_nr;
static bool case_failed[32];

static uint32_t reg_read(uint32_t off)
{
    return mmio_read32(VQ_DEV, off);
}

static void reg_write(uint32_t off, uint32_t val)
{
    mmio_write32(VQ_DEV, off, val);
}

/* Resets the device and sets queue 0 up with num entries at the given
 * rings. Returns the status after DRIVER_OK. */
static uint32_t vq_init(uint32_t num, uint64_t desc, uint64_t avail,
                        uint64_t used)
{
    const uint32_t feat = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                          VIRTIO_STATUS_FEATURES_OK;

    reg_write(VIRTIO_MMIO_STATUS, 0);
    memset(&vq, 0, sizeof(vq));
    reg_write(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
    reg_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    reg_write(VIRTIO_MMIO_DRIVER_FEATURES, 1); /* VERSION_1 only */
    reg_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    reg_write(VIRTIO_MMIO_DRIVER_FEATURES, 0);
    reg_write(VIRTIO_MMIO_STATUS, feat);
    reg_write(VIRTIO_MMIO_QUEUE_SEL, 0);
    reg_write(VIRTIO_MMIO_QUEUE_NUM, num);
    reg_write(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
    reg_write(VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
    reg_write(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)avail);
    reg_write(VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(avail >> 32));
    reg_write(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)used);
    reg_write(VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(used >> 32));
    reg_write(VIRTIO_MMIO_QUEUE_READY, 1);
    reg_write(VIRTIO_MMIO_STATUS, feat | VIRTIO_STATUS_DRIVER_OK);
    return reg_read(VIRTIO_MMIO_STATUS);
}

static uint32_t vq_init_default(void)
{
    return vq_init(VQ_NUM, ipa_of(vq.desc), ipa_of(vq.avail), ipa_of(vq.used));
}

static void desc_set(unsigned int i, uint64_t addr, uint32_t len,
                     uint16_t flags, uint16_t next)
{
    vq.desc[i].addr = addr;
    vq.desc[i].len = len;
    vq.desc[i].flags = flags;
    vq.desc[i].next = next;
}

/* Publishes head in avail slot 0 with avail->idx = idx and notifies. */
static void vq_submit(uint16_t head, uint16_t idx)
{
    vq.avail[2] = head;
    __asm__ volatile("dsb sy" ::: "memory");
    vq.avail[1] = idx;
    reg_write(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
}

/* A blk request header: type, sector. */
static void hdr_set(uint32_t type, uint64_t sector)
{
    memset(vq.hdr, 0, sizeof(vq.hdr));
    memcpy(vq.hdr, &type, 4);
    memcpy(vq.hdr + 8, &sector, 8);
}

/* The standard three-descriptor request: header, data, status. */
static void request3(uint32_t type, uint64_t sector, uint16_t data_flags)
{
    hdr_set(type, sector);
    desc_set(0, ipa_of(vq.hdr), 16, F_NEXT, 1);
    desc_set(1, ipa_of(vq.data), 512, (uint16_t)(F_NEXT | data_flags), 2);
    desc_set(2, ipa_of(&vq.status), 1, F_WRITE, 0);
}

static bool needs_reset(void)
{
    return (reg_read(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) !=
               0 &&
           (reg_read(VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
}

/* Waits until the device used a chain; false on timeout. */
static bool wait_used(uint32_t idx)
{
    uint64_t end = timer_now() + timer_us_to_ticks(VQ_WAIT_US);

    while ((vq.used[0] >> 16) != idx) {
        if (timer_now() > end) {
            return false;
        }
    }
    reg_write(VIRTIO_MMIO_INTERRUPT_ACK,
              reg_read(VIRTIO_MMIO_INTERRUPT_STATUS));
    return true;
}

/* One malformation, just submitted: the device must need a reset, and a
 * reset must clear it. Reported in round 0; later rounds only record. */
static void expect_reset(const char *name, bool ok)
{
    bool good = ok && needs_reset();
    unsigned int n = case_nr++;

    reg_write(VIRTIO_MMIO_STATUS, 0);
    good = good && reg_read(VIRTIO_MMIO_STATUS) == 0 &&
           reg_read(VIRTIO_MMIO_INTERRUPT_STATUS) == 0;
    if (n < 32 && !good) {
        case_failed[n] = true;
    }
    if (round_nr == 0) {
        test_report(name, good);
    }
}

/* Seconds to keep going, from bootargs "seconds=N" (default 0). */
static unsigned int vq_seconds(void *dtb)
{
    const char *args = dtb_bootargs(dtb);
    const char *p = args != NULL ? strstr(args, "seconds=") : NULL;

    return p != NULL ? (unsigned int)strtoul(p + 8, NULL, 10) : 0;
}

/* Bootargs "netstop": set virtio-net up and stop (see the top). */
static bool vq_netstop(void *dtb)
{
    const char *args = dtb_bootargs(dtb);

    return args != NULL && strstr(args, "netstop") != NULL;
}

static void malformed_layouts(void)
{
    vq_init(VQ_NUM, 0x1000, ipa_of(vq.avail), ipa_of(vq.used));
    expect_reset("ring-outside-ram", true);
    vq_init(3, ipa_of(vq.desc), ipa_of(vq.avail), ipa_of(vq.used));
    expect_reset("queue-size-3", true);
    vq_init(VQ_NUM, ipa_of(vq.desc) + 8, ipa_of(vq.avail), ipa_of(vq.used));
    expect_reset("desc-misaligned", true);
}

static void malformed_chains(void)
{
    uint64_t end = VQ_RAM_BASE + ram_size;

    vq_init_default();
    request3(VIRTIO_BLK_T_IN, 0, F_WRITE);
    vq_submit(VQ_NUM + 1, 1);
    expect_reset("head-out-of-range", true);

    vq_init_default();
    request3(VIRTIO_BLK_T_IN, 0, F_WRITE);
    vq.desc[1].next = VQ_NUM;
    vq_submit(0, 1);
    expect_reset("next-out-of-range", true);

    vq_init_default();
    request3(VIRTIO_BLK_T_IN, 0, F_WRITE);
    vq.desc[1].addr = 0x80000000UL; /* far beyond its RAM */
    vq_submit(0, 1);
    expect_reset("buffer-outside-ram", true);

    vq_init_default();
    request3(VIRTIO_BLK_T_IN, 0, F_WRITE);
    vq.desc[1].addr = end - 256; /* 512 bytes: straddles the end */
    vq_submit(0, 1);
    expect_reset("buffer-straddles-end", true);

    vq_init_default();
    request3(VIRTIO_BLK_T_IN, 0, F_WRITE);
    vq.desc[1].addr = end; /* the first byte after its RAM */
    vq_submit(0, 1);
    expect_reset("buffer-after-ram", true);

    vq_init_default();
    request3(VIRTIO_BLK_T_IN, 0, F_WRITE);
    vq.desc[2].flags = F_WRITE | F_NEXT;
    vq.desc[2].next = 1; /* 1 -> 2 -> 1 ... */
    vq_submit(0, 1);
    expect_reset("descriptor-loop", true);

    vq_init_default();
    for (unsigned int i = 0; i < VQ_NUM; i++) {
        desc_set(i, ipa_of(vq.data), 16, F_NEXT, (uint16_t)((i + 1) % VQ_NUM));
    }
    vq_submit(0, 1);
    expect_reset("chain-longer-than-queue", true);

    vq_init_default();
    request3(VIRTIO_BLK_T_IN, 0, F_WRITE);
    vq.desc[1].len = 0;
    vq_submit(0, 1);
    expect_reset("zero-length", true);

    vq_init_default();
    request3(VIRTIO_BLK_T_IN, 0, F_WRITE);
    vq.desc[1].len = 0xffffffffU;
    vq_submit(0, 1);
    expect_reset("huge-length", true);

    vq_init_default();
    request3(VIRTIO_BLK_T_OUT, 0, 0);
    vq.desc[0].flags = F_NEXT | F_WRITE; /* header writable, data not */
    vq_submit(0, 1);
    expect_reset("readable-after-writable", true);

    vq_init_default();
    request3(VIRTIO_BLK_T_IN, 0, 0); /* read into a readable buffer */
    vq_submit(0, 1);
    expect_reset("read-into-readable-buffer", true);

    vq_init_default();
    hdr_set(VIRTIO_BLK_T_IN, 0);
    desc_set(0, ipa_of(vq.hdr), 16, 0, 0); /* no status byte */
    vq_submit(0, 1);
    expect_reset("no-status-byte", true);

    vq_init_default();
    desc_set(0, ipa_of(vq.desc) + 4 * sizeof(struct vq_desc), 48, F_INDIRECT,
             0);
    vq_submit(0, 1);
    expect_reset("indirect-not-negotiated", true);

    vq_init_default();
    request3(VIRTIO_BLK_T_IN, 0, F_WRITE);
    vq_submit(0, VQ_NUM + 5);
    expect_reset("avail-index-ahead", true);
}

/* After all that: a reset device serves a write and a read-back, and a
 * request past its disk's end gets IOERR without a reset. */
static void well_formed(void)
{
    uint64_t sectors;
    bool ok;

    ok = (vq_init_default() & VIRTIO_STATUS_DRIVER_OK) != 0;
    sectors =
        (uint64_t) * (volatile uint32_t *)(VQ_DEV + VIRTIO_MMIO_CONFIG) |
        (uint64_t) * (volatile uint32_t *)(VQ_DEV + VIRTIO_MMIO_CONFIG + 4)
            << 32;
    for (unsigned int i = 0; i < 512; i++) {
        vq.data[i] = (uint8_t)(i * 7 + 3);
    }
    request3(VIRTIO_BLK_T_OUT, 1, 0);
    vq.status = 0xff;
    vq_submit(0, 1);
    ok = ok && wait_used(1) && vq.status == VIRTIO_BLK_S_OK;
    memset(vq.data, 0, 512);
    request3(VIRTIO_BLK_T_IN, 1, F_WRITE);
    vq.status = 0xff;
    vq_submit(0, 2);
    ok = ok && wait_used(2) && vq.status == VIRTIO_BLK_S_OK;
    for (unsigned int i = 0; i < 512 && ok; i++) {
        ok = vq.data[i] == (uint8_t)(i * 7 + 3);
    }
    test_report("works-after-reset", ok && !needs_reset());
    request3(VIRTIO_BLK_T_IN, sectors, F_WRITE);
    vq.status = 0xff;
    vq_submit(0, 3);
    test_report("past-the-end-ioerr", wait_used(3) &&
                                          vq.status == VIRTIO_BLK_S_IOERR &&
                                          !needs_reset());
    printf("vqhostile: disk of %lu sectors\n", (unsigned long)sectors);
}

int main(void *dtb)
{
    uint64_t base = 0;

    test_begin("vqhostile");
    if (vq_netstop(dtb)) {
        test_report("net-up-then-stop", net_start());
        return test_summary();
    }
    if (dtb_memory(dtb, &base, &ram_size) != 0 || base != VQ_RAM_BASE ||
        reg_read(VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MMIO_MAGIC ||
        reg_read(VIRTIO_MMIO_DEVICE_ID) != VIRTIO_ID_BLOCK) {
        printf("vqhostile: no virtio-blk device at 0x%lx\n", VQ_DEV);
        test_report("device-found", false);
        return test_summary();
    }
    {
        uint64_t end = timer_now() +
                       timer_us_to_ticks((uint64_t)vq_seconds(dtb) * 1000000);
        bool later_ok = true;

        (void)net_start();
        do {
            case_nr = 0;
            malformed_layouts();
            malformed_chains();
            net_round();
            round_nr++;
        } while (timer_now() < end);
        for (unsigned int i = 0; i < 32; i++) {
            later_ok = later_ok && !case_failed[i];
        }
        printf("vqhostile: %u rounds of %u malformations\n", round_nr, case_nr);
        test_report("every-round", later_ok);
    }
    well_formed();
    net_report();
    return test_summary();
}
