/* SPDX-License-Identifier: MIT */
/*
 * Boot-time self-tests chosen on the host command line (selftest=NAME).
 * They exist so that tests can prove paths that must never run in normal
 * operation, such as the EL2 panic dump and the W^X mapping of the image,
 * really work, and drive real devices before any guest runs:
 *
 * selftest=blk writes patterns to blk0 with many requests in flight at
 * once, flushes, reads them back and compares, fills the ring until it
 * reports full, and checks that bad requests are refused;
 * selftest=blk-read only reads back and compares what an earlier
 * selftest=blk wrote (proving it reached the disk). Both print one
 * "selftest blk: PASS (...)" or "selftest blk: FAIL (reason)" line and let
 * the boot go on.
 */
#include <drivers/blkdev.h>
#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/host_dt.h>
#include <hv/page_alloc.h>
#include <hv/printk.h>
#include <hv/selftest.h>
#include <hv/timer.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* An address outside Shoji's EL2 address space (39-bit VA). */
#define SELFTEST_BAD_VA 0x0000ff0000000000UL

/* A "ret" instruction (0xd65f03c0) placed in writable data. */
static uint32_t selftest_data_code[4] = {0xd65f03c0U};

/*
 * selftest=blk. Layout on the disk: ST_BLK_WRITES requests of
 * ST_BLK_SECTORS sectors each, request i at ST_BLK_FIRST + i *
 * ST_BLK_STRIDE (the sectors between stay untouched), except the last,
 * which writes the disk's last sectors. Byte j of sector s holds
 * st_blk_byte(s, j); tests/integration/cases/blk_phys.sh checks the image
 * file against the same formula.
 */
#define ST_BLK_WRITES 16
#define ST_BLK_SECTORS 8
#define ST_BLK_BYTES (ST_BLK_SECTORS * BLK_SECTOR_SIZE)
#define ST_BLK_FIRST 128
#define ST_BLK_STRIDE 32
#define ST_BLK_GAP 64 /* bytes left between a request's segments */
#define ST_BLK_REGION (2 * PAGE_SIZE) /* holds ST_BLK_BYTES + 8 gaps */
#define ST_BLK_FLOOD 96               /* one-sector reads for the ring test */
#define ST_BLK_NR_REQS (2 * ST_BLK_WRITES + ST_BLK_FLOOD + 2)
#define ST_BLK_TIMEOUT_NS (10UL * 1000 * 1000 * 1000)
#define ST_BLK_FILL 0xee /* read buffers before the read */

struct st_blk {
    struct blkdev *d;
    uint64_t sector[ST_BLK_WRITES]; /* where write request i goes */
    struct blk_req *reqs;           /* ST_BLK_NR_REQS */
    uint8_t *bufs; /* write regions, read regions, flood sectors */
    size_t req_pages, buf_pages;
    unsigned int completed; /* done callbacks seen (interrupt context) */
    int status;             /* first non-zero completion status */
    bool failed;
    char why[120];
};

static struct st_blk st_blk;

static void st_blk_fail(struct st_blk *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void st_blk_fail(struct st_blk *t, const char *fmt, ...)
{
    va_list ap;

    if (t->failed) {
        return; /* the first reason is the one reported */
    }
    t->failed = true;
    va_start(ap, fmt);
    vsnprintf(t->why, sizeof(t->why), fmt, ap);
    va_end(ap);
}

static uint8_t st_blk_byte(uint64_t sector, unsigned int j)
{
    static const char tag[8] = {'S', 'H', 'O', 'J', 'I', 'B', 'L', 'K'};

    if (j < 8) {
        return (uint8_t)(sector >> (8 * j)); /* the sector number, LE */
    }
    if (j < 16) {
        return (uint8_t)tag[j - 8];
    }
    return (uint8_t)(sector * 29 + j * 7 + 0x5a);
}

/* Runs from the device's interrupt handler on this CPU. */
static void st_blk_done(struct blk_req *r, int status)
{
    struct st_blk *t = r->ctx;

    if (status != 0 && t->status == 0) {
        t->status = status;
    }
    __atomic_add_fetch(&t->completed, 1, __ATOMIC_RELEASE);
}

static void st_blk_tick(struct timer_event *ev, uint64_t now)
{
    /* Only wakes st_blk_wait() from WFI at its deadline. */
}

/* Waits, taking interrupts, until `target` completions have been seen or
 * ST_BLK_TIMEOUT_NS has passed. */
static bool st_blk_wait(struct st_blk *t, unsigned int target)
{
    uint64_t deadline = timer_now_ns() + ST_BLK_TIMEOUT_NS;
    struct timer_event ev;
    bool ok = true;

    timer_event_init(&ev, arch_cpu_id(), st_blk_tick);
    timer_arm(&ev, deadline);
    while (__atomic_load_n(&t->completed, __ATOMIC_ACQUIRE) < target) {
        if (timer_now_ns() >= deadline) {
            st_blk_fail(t,
                        "timed out after 10 s with %u of %u requests "
                        "completed (no interrupt from the device?)",
                        t->completed, target);
            ok = false;
            break;
        }
        arch_cpu_idle(); /* WFI, then the pending interrupts */
    }
    timer_cancel(&ev);
    return ok;
}

/*
 * Request i of a pass (write or read) over region: ST_BLK_BYTES split
 * into segments in one of four ways (one, two halves, eight, 700 bytes +
 * the rest), each ST_BLK_GAP bytes after the previous, so chains are
 * scattered and segments need not be whole sectors.
 */
static void st_blk_prepare(struct st_blk *t, struct blk_req *r, uint32_t type,
                           unsigned int i, uint8_t *region)
{
    static const unsigned int ways[4] = {1, 2, 8, 2};
    unsigned int n = MIN(ways[i % 4], blkdev_max_segs(t->d));
    uint32_t off = 0;
    unsigned int k;

    memset(r, 0, sizeof(*r));
    r->type = type;
    r->sector = t->sector[i];
    r->nr_segs = n;
    r->done = st_blk_done;
    r->ctx = t;
    for (k = 0; k < n; k++) {
        uint32_t len = ST_BLK_BYTES / n;

        if (i % 4 == 3 && k == 0 && n > 1) {
            len = 700;
        }
        if (k == n - 1) {
            len = ST_BLK_BYTES - off;
        }
        r->segs[k].buf = region + off + k * ST_BLK_GAP;
        r->segs[k].len = len;
        off += len;
    }
}

/* Fills (fill) or checks (!fill) a request's buffers against the pattern;
 * false at the first mismatch, which is recorded. */
static bool st_blk_pattern(struct st_blk *t, struct blk_req *r, bool fill)
{
    uint32_t pos = 0;
    unsigned int k;

    for (k = 0; k < r->nr_segs; k++) {
        uint8_t *p = r->segs[k].buf;
        uint32_t b;

        for (b = 0; b < r->segs[k].len; b++, pos++) {
            uint64_t s = r->sector + pos / BLK_SECTOR_SIZE;
            uint8_t want = st_blk_byte(s, pos % BLK_SECTOR_SIZE);

            if (fill) {
                p[b] = want;
            } else if (p[b] != want) {
                st_blk_fail(t, "sector %lu byte %u reads 0x%02x, wrote 0x%02x",
                            (unsigned long)s, pos % BLK_SECTOR_SIZE, p[b],
                            want);
                return false;
            }
        }
    }
    return true;
}

/* Submits reqs[0..n) in order, waiting for completions whenever the ring
 * is full, then waits for all of them. *at_once is how many were in
 * flight when the first -HV_EAGAIN came (n if none came). */
static bool st_blk_run(struct st_blk *t, struct blk_req *reqs, unsigned int n,
                       unsigned int *at_once)
{
    unsigned int base = t->completed;
    unsigned int i = 0;

    *at_once = n;
    while (i < n) {
        int rc = blkdev_submit(t->d, &reqs[i]);

        if (rc == -HV_EAGAIN) {
            if (*at_once == n) {
                *at_once = i - (t->completed - base);
            }
            if (!st_blk_wait(t, t->completed + 1)) {
                return false;
            }
            continue;
        }
        if (rc != 0) {
            st_blk_fail(t, "request %u refused: %s", i, hv_strerror(rc));
            return false;
        }
        i++;
    }
    if (!st_blk_wait(t, base + n)) {
        return false;
    }
    if (t->status != 0) {
        st_blk_fail(t, "a request completed with %s", hv_strerror(t->status));
        return false;
    }
    return true;
}

static uint8_t *st_blk_region(struct st_blk *t, unsigned int i, bool read)
{
    return t->bufs + ((read ? ST_BLK_WRITES : 0) + i) * ST_BLK_REGION;
}

/* All writes queued before any completion can be taken (EL2 takes
 * interrupts only in st_blk_wait), then a flush. */
static bool st_blk_write(struct st_blk *t, unsigned int *at_once)
{
    struct blk_req *w = t->reqs;
    struct blk_req *f = &t->reqs[2 * ST_BLK_WRITES + ST_BLK_FLOOD];
    unsigned int one;
    unsigned int i;

    for (i = 0; i < ST_BLK_WRITES; i++) {
        st_blk_prepare(t, &w[i], BLK_REQ_WRITE, i, st_blk_region(t, i, false));
        st_blk_pattern(t, &w[i], true);
    }
    if (!st_blk_run(t, w, ST_BLK_WRITES, at_once)) {
        return false;
    }
    memset(f, 0, sizeof(*f));
    f->type = BLK_REQ_FLUSH;
    f->done = st_blk_done;
    f->ctx = t;
    if (!blkdev_flush_supported(t->d)) {
        if (blkdev_submit(t->d, f) != -HV_ENOTSUP) {
            st_blk_fail(t, "flush without flush support not refused");
            return false;
        }
        return true;
    }
    return st_blk_run(t, f, 1, &one);
}

static bool st_blk_read(struct st_blk *t, unsigned int *at_once)
{
    struct blk_req *r = &t->reqs[ST_BLK_WRITES];
    unsigned int i;

    for (i = 0; i < ST_BLK_WRITES; i++) {
        uint8_t *region = st_blk_region(t, i, true);

        memset(region, ST_BLK_FILL, ST_BLK_REGION);
        st_blk_prepare(t, &r[i], BLK_REQ_READ, i, region);
    }
    if (!st_blk_run(t, r, ST_BLK_WRITES, at_once)) {
        return false;
    }
    for (i = 0; i < ST_BLK_WRITES; i++) {
        if (!st_blk_pattern(t, &r[i], false)) {
            return false;
        }
    }
    return true;
}

/* More one-sector reads than the ring holds: some must meet -HV_EAGAIN
 * and go in as earlier ones complete. */
static bool st_blk_flood(struct st_blk *t, unsigned int *at_once)
{
    struct blk_req *r = &t->reqs[2 * ST_BLK_WRITES];
    uint8_t *buf = t->bufs + 2 * ST_BLK_WRITES * ST_BLK_REGION;
    unsigned int k;

    for (k = 0; k < ST_BLK_FLOOD; k++) {
        memset(&r[k], 0, sizeof(r[k]));
        r[k].type = BLK_REQ_READ;
        r[k].sector = ST_BLK_FIRST + k;
        r[k].segs[0].buf = buf + k * BLK_SECTOR_SIZE;
        r[k].segs[0].len = BLK_SECTOR_SIZE;
        r[k].nr_segs = 1;
        r[k].done = st_blk_done;
        r[k].ctx = t;
    }
    if (!st_blk_run(t, r, ST_BLK_FLOOD, at_once)) {
        return false;
    }
    if (*at_once == ST_BLK_FLOOD) {
        st_blk_fail(t, "%u requests never filled the ring", ST_BLK_FLOOD);
        return false;
    }
    for (k = 0; k < ST_BLK_FLOOD; k++) {
        /* Only the sectors the writes covered have a known content. */
        if (k % ST_BLK_STRIDE < ST_BLK_SECTORS &&
            !st_blk_pattern(t, &r[k], false)) {
            return false;
        }
    }
    return true;
}

/* Requests blkdev_submit must refuse, with the error it must give. */
static bool st_blk_refusals(struct st_blk *t)
{
    struct blk_req *r = &t->reqs[2 * ST_BLK_WRITES + ST_BLK_FLOOD + 1];
    uint64_t cap = blkdev_sectors(t->d);
    struct blkdev_stats before;
    struct blkdev_stats after;
    unsigned int seen = t->completed;
    unsigned int c;
    static const struct {
        const char *what;
        uint64_t sector; /* counted back from the capacity if from_end */
        bool from_end;
        uint32_t len;
        unsigned int nr_segs;
        uintptr_t buf; /* 0: a valid buffer */
        uint32_t type;
    } cases[] = {
        {"straddles the end of the disk", 4, true, ST_BLK_BYTES, 1, 0,
         BLK_REQ_READ},
        {"starts at the capacity", 0, true, 512, 1, 0, BLK_REQ_WRITE},
        {"wraps around 2^64", UINT64_MAX - 2, false, ST_BLK_BYTES, 1, 0,
         BLK_REQ_READ},
        {"has no segments", 0, false, 0, 0, 0, BLK_REQ_READ},
        {"is not whole sectors", 0, false, 100, 1, 0, BLK_REQ_READ},
        {"has too many segments", 0, false, 512, BLK_MAX_SEGS + 1, 0,
         BLK_REQ_READ},
        {"points at device memory", 0, false, 512, 1, 0x0a000000, BLK_REQ_READ},
        {"is a flush with data", 0, false, 512, 1, 0, BLK_REQ_FLUSH},
        {"has an unknown type", 0, false, 512, 1, 0, 77},
    };

    blkdev_get_stats(t->d, &before);
    for (c = 0; c < ARRAY_SIZE(cases); c++) {
        int rc;

        memset(r, 0, sizeof(*r));
        r->type = cases[c].type;
        r->sector = cases[c].from_end ? cap - cases[c].sector : cases[c].sector;
        r->nr_segs = cases[c].nr_segs;
        r->segs[0].buf = cases[c].buf != 0 ? (void *)cases[c].buf : t->bufs;
        r->segs[0].len = cases[c].len;
        r->done = st_blk_done;
        r->ctx = t;
        rc = blkdev_submit(t->d, r);
        if (rc != -HV_EINVAL) {
            st_blk_fail(t, "a request that %s got %s, not EINVAL",
                        cases[c].what, rc == 0 ? "queued" : hv_strerror(rc));
            return false;
        }
    }
    blkdev_get_stats(t->d, &after);
    if (after.submitted != before.submitted || t->completed != seen) {
        st_blk_fail(t, "a refused request reached the device");
        return false;
    }
    return true;
}

static void st_blk_cleanup(struct st_blk *t)
{
    if (t->reqs != NULL) {
        page_pool_free(&hv_pages, pa_addr(ptr_to_pa(t->reqs)), t->req_pages);
    }
    if (t->bufs != NULL) {
        page_pool_free(&hv_pages, pa_addr(ptr_to_pa(t->bufs)), t->buf_pages);
    }
}

static void selftest_blk(bool write)
{
    struct st_blk *t = &st_blk;
    struct blkdev_stats stats;
    unsigned int writes_at_once = 0;
    unsigned int reads_at_once = 0;
    unsigned int ring_full_at = 0;
    uint64_t need = ST_BLK_FIRST + ST_BLK_WRITES * ST_BLK_STRIDE;
    unsigned int i;
    bool ok;

    memset(t, 0, sizeof(*t));
    t->d = blkdev_get(0);
    if (t->d == NULL) {
        pr_err("selftest blk: FAIL (no block device: attach a virtio-blk "
               "disk and run QEMU with -global "
               "virtio-mmio.force-legacy=false)");
        return;
    }
    if (blkdev_sectors(t->d) < need) {
        pr_err("selftest blk: FAIL (%s has %lu sectors, the test needs %lu)",
               blkdev_name(t->d), (unsigned long)blkdev_sectors(t->d),
               (unsigned long)need);
        return;
    }
    for (i = 0; i < ST_BLK_WRITES - 1; i++) {
        t->sector[i] = ST_BLK_FIRST + i * ST_BLK_STRIDE;
    }
    t->sector[ST_BLK_WRITES - 1] = blkdev_sectors(t->d) - ST_BLK_SECTORS;
    t->req_pages =
        ALIGN_UP(ST_BLK_NR_REQS * sizeof(struct blk_req), PAGE_SIZE) /
        PAGE_SIZE;
    t->buf_pages = (2 * ST_BLK_WRITES * ST_BLK_REGION +
                    ST_BLK_FLOOD * BLK_SECTOR_SIZE + PAGE_SIZE - 1) /
                   PAGE_SIZE;
    t->reqs = page_alloc_zeroed(t->req_pages, PAGE_SIZE);
    t->bufs = page_alloc_zeroed(t->buf_pages, PAGE_SIZE);
    if (t->reqs == NULL || t->bufs == NULL) {
        st_blk_cleanup(t);
        pr_err("selftest blk: FAIL (out of memory)");
        return;
    }

    ok = !write || st_blk_write(t, &writes_at_once);
    ok = ok && st_blk_read(t, &reads_at_once);
    ok = ok && st_blk_flood(t, &ring_full_at);
    ok = ok && st_blk_refusals(t);
    blkdev_get_stats(t->d, &stats);
    if (!ok) {
        pr_err("selftest blk: FAIL (%s)", t->why);
        if (stats.inflight != 0) {
            return; /* the device may still use the buffers: keep them */
        }
    } else {
        char wrote[64] = "no writes (blk-read)";

        if (write) {
            snprintf(wrote, sizeof(wrote),
                     "%u writes in flight at once, flush %s", writes_at_once,
                     blkdev_flush_supported(t->d) ? "done"
                                                  : "refused (unsupported)");
        }
        pr_info("selftest blk: %s: %s, %u reads in flight at once, ring "
                "full at %u requests",
                blkdev_name(t->d), wrote, reads_at_once, ring_full_at);
        pr_info("selftest blk: PASS (%lu requests, %u in flight at most)",
                (unsigned long)stats.completed, stats.max_inflight);
    }
    st_blk_cleanup(t);
}

/* selftest=blk-fault: a request the device must reject as malformed;
 * the device then needs a reset, and the driver must fail the request
 * with EIO and refuse everything after it. */
static void selftest_blk_fault(void)
{
    struct st_blk *t = &st_blk;
    struct blk_req *r;
    int rc;

    memset(t, 0, sizeof(*t));
    t->d = blkdev_get(0);
    if (t->d == NULL || !blkdev_inject_fault(t->d)) {
        pr_err("selftest blk-fault: FAIL (no block device with a fault "
               "hook)");
        return;
    }
    t->req_pages = 1;
    t->reqs = page_alloc_zeroed(1, PAGE_SIZE);
    if (t->reqs == NULL) {
        pr_err("selftest blk-fault: FAIL (out of memory)");
        return;
    }
    r = t->reqs;
    r->type = BLK_REQ_READ;
    r->segs[0].buf = (uint8_t *)t->reqs + PAGE_SIZE - BLK_SECTOR_SIZE;
    r->segs[0].len = BLK_SECTOR_SIZE;
    r->nr_segs = 1;
    r->done = st_blk_done;
    r->ctx = t;
    rc = blkdev_submit(t->d, r);
    if (rc != 0) {
        st_blk_fail(t, "the faulty request was refused: %s", hv_strerror(rc));
    } else if (st_blk_wait(t, 1) && t->status != -HV_EIO) {
        st_blk_fail(t, "the faulty request completed with %s, not EIO",
                    t->status == 0 ? "success" : hv_strerror(t->status));
    }
    if (!t->failed) {
        rc = blkdev_submit(t->d, r);
        if (rc != -HV_EIO) {
            st_blk_fail(t, "a request to the failed device got %s, not EIO",
                        rc == 0 ? "queued" : hv_strerror(rc));
        }
    }
    if (t->failed) {
        pr_err("selftest blk-fault: FAIL (%s)", t->why);
        return; /* the request may still be in flight: keep its memory */
    }
    pr_info("selftest blk-fault: PASS (device failure seen, request failed "
            "with EIO, device no longer used)");
    st_blk_cleanup(t);
}

void selftest_run(const struct host_info *info)
{
    char name[24];

    if (!host_dt_bootarg(info, "selftest", name, sizeof(name))) {
        return;
    }
    pr_info("selftest: %s", name);
    if (strcmp(name, "el2-fault") == 0) {
        volatile uint64_t *bad = (volatile uint64_t *)SELFTEST_BAD_VA;

        *bad = 0x5105e1f;
        panic("selftest: the EL2 fault was not taken");
    }
    if (strcmp(name, "text-write") == 0) {
        /* W^X: text is mapped read-only. */
        *(volatile uint32_t *)(uintptr_t)selftest_run = 0;
        panic("selftest: wrote to Shoji's text");
    }
    if (IS_ENABLED(CONFIG_BLKDEV) &&
        (strcmp(name, "blk") == 0 || strcmp(name, "blk-read") == 0)) {
        selftest_blk(strcmp(name, "blk") == 0);
        return;
    }
    if (IS_ENABLED(CONFIG_BLKDEV) && strcmp(name, "blk-fault") == 0) {
        selftest_blk_fault();
        return;
    }
    if (strcmp(name, "data-exec") == 0) {
        /* W^X: writable data is execute-never. */
        void (*fn)(void) = (void (*)(void))(uintptr_t)selftest_data_code;

        __asm__ volatile("dsb ish; isb" ::: "memory");
        fn();
        panic("selftest: executed Shoji's data");
    }
    pr_err("selftest: unknown test \"%s\"", name);
}
