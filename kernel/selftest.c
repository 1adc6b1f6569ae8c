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
 * the boot go on. selftest=net resolves and pings a peer over net0 (see
 * selftest_net below).
 */
#include <drivers/blkdev.h>
#include <drivers/netdev.h>
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

/* A test's outcome: the first failure and its reason. */
struct st_result {
    bool failed;
    char why[120];
};

static void st_fail(struct st_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void st_fail(struct st_result *r, const char *fmt, ...)
{
    va_list ap;

    if (r->failed) {
        return; /* the first reason is the one reported */
    }
    r->failed = true;
    va_start(ap, fmt);
    vsnprintf(r->why, sizeof(r->why), fmt, ap);
    va_end(ap);
}

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
#define ST_BLK_FLOOD 320 /* one-sector reads: more than a 256-entry ring */
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
    struct st_result res;
};

static struct st_blk st_blk;

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

static void selftest_tick(struct timer_event *ev, uint64_t now)
{
    /* Only wakes a test waiting in WFI at its deadline. */
}

/* Waits, taking interrupts, until `target` completions have been seen or
 * ST_BLK_TIMEOUT_NS has passed. */
static bool st_blk_wait(struct st_blk *t, unsigned int target)
{
    uint64_t deadline = timer_now_ns() + ST_BLK_TIMEOUT_NS;
    struct timer_event ev;
    bool ok = true;

    timer_event_init(&ev, arch_cpu_id(), selftest_tick);
    timer_arm(&ev, deadline);
    while (__atomic_load_n(&t->completed, __ATOMIC_ACQUIRE) < target) {
        if (timer_now_ns() >= deadline) {
            st_fail(&t->res,
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
                st_fail(&t->res,
                        "sector %lu byte %u reads 0x%02x, wrote 0x%02x",
                        (unsigned long)s, pos % BLK_SECTOR_SIZE, p[b], want);
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
            st_fail(&t->res, "request %u refused: %s", i, hv_strerror(rc));
            return false;
        }
        i++;
    }
    if (!st_blk_wait(t, base + n)) {
        return false;
    }
    if (t->status != 0) {
        st_fail(&t->res, "a request completed with %s", hv_strerror(t->status));
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
            st_fail(&t->res, "flush without flush support not refused");
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
        st_fail(&t->res, "%u requests never filled the ring", ST_BLK_FLOOD);
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
            st_fail(&t->res, "a request that %s got %s, not EINVAL",
                    cases[c].what, rc == 0 ? "queued" : hv_strerror(rc));
            return false;
        }
    }
    blkdev_get_stats(t->d, &after);
    if (after.submitted != before.submitted || t->completed != seen) {
        st_fail(&t->res, "a refused request reached the device");
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
        pr_err("selftest blk: FAIL (%s)", t->res.why);
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
        st_fail(&t->res, "the faulty request was refused: %s", hv_strerror(rc));
    } else if (st_blk_wait(t, 1) && t->status != -HV_EIO) {
        st_fail(&t->res, "the faulty request completed with %s, not EIO",
                t->status == 0 ? "success" : hv_strerror(t->status));
    }
    if (!t->res.failed) {
        rc = blkdev_submit(t->d, r);
        if (rc != -HV_EIO) {
            st_fail(&t->res, "a request to the failed device got %s, not EIO",
                    rc == 0 ? "queued" : hv_strerror(rc));
        }
    }
    if (t->res.failed) {
        pr_err("selftest blk-fault: FAIL (%s)", t->res.why);
        return; /* the request may still be in flight: keep its memory */
    }
    pr_info("selftest blk-fault: PASS (device failure seen, request failed "
            "with EIO, device no longer used)");
    st_blk_cleanup(t);
}

/*
 * selftest=net: Shoji is 10.0.2.15 on net0, the peer 10.0.2.1 (in
 * tests/integration/cases/net_phys.sh a tap device on the host side of
 * QEMU's -netdev tap). It resolves the peer with ARP, pings it once, then
 * sends a burst of ST_NET_BURST echo requests (more than the rings hold,
 * so both wrap and the transmit ring fills) and waits for every reply.
 * Requests are sent again every second until the 10 s deadline. Replies
 * are checked in full: addresses, IPv4 header and ICMP checksums,
 * identifier, sequence number and data. ARP requests for 10.0.2.15 are
 * answered, so the peer keeps reaching Shoji. Prints "selftest net: PASS
 * (...)" or "selftest net: FAIL (reason)" and lets the boot go on.
 * selftest=net-fault sends a malformed frame (a short header): the device
 * must report a failure and netdev_xmit then return EIO.
 */
#define ST_NET_TIMEOUT_NS (10UL * 1000 * 1000 * 1000)
#define ST_NET_RETRY_NS (1000UL * 1000 * 1000)
#define ST_NET_BURST 300
#define ST_NET_FIRST_SEQ 1   /* the single pings: 1, 2, ... */
#define ST_NET_BURST_SEQ 100 /* the burst: 100 ... 399 */
#define ST_NET_ICMP_ID 0x5348
#define ST_NET_PING_DATA 56
#define ST_NET_ETH_HLEN 14
#define ST_NET_ETH_ZLEN 60 /* the shortest frame on the wire, less FCS */
#define ST_NET_ETH_ARP 0x0806
#define ST_NET_ETH_IPV4 0x0800
#define ST_NET_ARP_LEN 28
#define ST_NET_ARP_REQUEST 1
#define ST_NET_ARP_REPLY 2
#define ST_NET_IP_HLEN 20
#define ST_NET_IP_ICMP 1
#define ST_NET_ICMP_HLEN 8
#define ST_NET_ICMP_ECHO_REPLY 0
#define ST_NET_ICMP_ECHO 8
#define ST_NET_PING_LEN                                                        \
    (ST_NET_ETH_HLEN + ST_NET_IP_HLEN + ST_NET_ICMP_HLEN + ST_NET_PING_DATA)
#define ST_NET_MAX_SEQ (ST_NET_BURST_SEQ + ST_NET_BURST)

static const uint8_t st_net_self_ip[4] = {10, 0, 2, 15};
static const uint8_t st_net_peer_ip[4] = {10, 0, 2, 1};
static const struct net_meta st_net_plain; /* no offload request */
static const uint8_t st_net_bcast[ETH_ALEN] = {0xff, 0xff, 0xff,
                                               0xff, 0xff, 0xff};

struct st_net {
    struct netdev *d;
    /* Written by the rx callback (this CPU, in arch_cpu_idle). */
    bool arp_done;
    uint8_t peer_mac[ETH_ALEN];
    bool replied[ST_NET_MAX_SEQ]; /* by sequence number */
    unsigned int nr_replies;      /* distinct sequence numbers */
    unsigned int arp_answered;    /* ARP requests for us we answered */
    uint64_t first_reply_ns;
    struct st_result res;
    /* The sender's. */
    unsigned int arp_sent;
    unsigned int pings_sent;
    unsigned int ring_full; /* -HV_EAGAIN seen */
    uint64_t sent_ns[ST_NET_BURST_SEQ];
    struct timer_event wake; /* ends each wait in WFI at its deadline */
};

static struct st_net st_net;

static void st_net_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t st_net_get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* The Internet checksum (RFC 1071) of p[0..len): the ones' complement of
 * the ones' complement sum of its big-endian 16-bit words. Over data that
 * holds a correct checksum it gives 0. */
static uint16_t st_net_csum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    size_t i;

    for (i = 0; i + 1 < len; i += 2) {
        sum += st_net_get16(p + i);
    }
    if (len % 2 != 0) {
        sum += (uint32_t)p[len - 1] << 8;
    }
    while (sum > 0xffff) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

static void st_net_eth(uint8_t *f, const uint8_t *dst, const uint8_t *src,
                       uint16_t type)
{
    memcpy(f, dst, ETH_ALEN);
    memcpy(f + ETH_ALEN, src, ETH_ALEN);
    st_net_put16(f + 2 * ETH_ALEN, type);
}

/* An ARP packet (RFC 826, Ethernet and IPv4), padded to ST_NET_ETH_ZLEN. */
static void st_net_arp(uint8_t *f, uint16_t op, const uint8_t *eth_dst,
                       const uint8_t *sha, const uint8_t *spa,
                       const uint8_t *tha, const uint8_t *tpa)
{
    uint8_t *a = f + ST_NET_ETH_HLEN;

    memset(f, 0, ST_NET_ETH_ZLEN);
    st_net_eth(f, eth_dst, sha, ST_NET_ETH_ARP);
    st_net_put16(a, 1); /* hardware type: Ethernet */
    st_net_put16(a + 2, ST_NET_ETH_IPV4);
    a[4] = ETH_ALEN;
    a[5] = 4;
    st_net_put16(a + 6, op);
    memcpy(a + 8, sha, ETH_ALEN);
    memcpy(a + 14, spa, 4);
    memcpy(a + 18, tha, ETH_ALEN);
    memcpy(a + 24, tpa, 4);
}

static uint8_t st_net_ping_byte(uint16_t seq, unsigned int i)
{
    return (uint8_t)(seq * 13 + i);
}

/* An ICMP echo request (RFC 792) to the peer, ST_NET_PING_LEN bytes. */
static void st_net_ping(struct st_net *t, uint8_t *f, uint16_t seq)
{
    uint8_t *ip = f + ST_NET_ETH_HLEN;
    uint8_t *icmp = ip + ST_NET_IP_HLEN;
    unsigned int i;

    st_net_eth(f, t->peer_mac, t->d->mac, ST_NET_ETH_IPV4);
    memset(ip, 0, ST_NET_IP_HLEN);
    ip[0] = 0x45; /* version 4, 5 words of header */
    st_net_put16(ip + 2, ST_NET_PING_LEN - ST_NET_ETH_HLEN);
    st_net_put16(ip + 4, seq); /* identification */
    ip[8] = 64;                /* time to live */
    ip[9] = ST_NET_IP_ICMP;
    memcpy(ip + 12, st_net_self_ip, 4);
    memcpy(ip + 16, st_net_peer_ip, 4);
    st_net_put16(ip + 10, st_net_csum(ip, ST_NET_IP_HLEN));

    icmp[0] = ST_NET_ICMP_ECHO;
    icmp[1] = 0;
    st_net_put16(icmp + 2, 0);
    st_net_put16(icmp + 4, ST_NET_ICMP_ID);
    st_net_put16(icmp + 6, seq);
    for (i = 0; i < ST_NET_PING_DATA; i++) {
        icmp[ST_NET_ICMP_HLEN + i] = st_net_ping_byte(seq, i);
    }
    st_net_put16(icmp + 2,
                 st_net_csum(icmp, ST_NET_ICMP_HLEN + ST_NET_PING_DATA));
}

/* An ARP packet: takes the peer's reply, answers requests for us. */
static void st_net_rx_arp(struct st_net *t, const uint8_t *f, uint32_t len)
{
    const uint8_t *a = f + ST_NET_ETH_HLEN;
    uint8_t reply[ST_NET_ETH_ZLEN];
    uint16_t op;

    if (len < ST_NET_ETH_HLEN + ST_NET_ARP_LEN || st_net_get16(a) != 1 ||
        st_net_get16(a + 2) != ST_NET_ETH_IPV4 || a[4] != ETH_ALEN ||
        a[5] != 4 || memcmp(a + 24, st_net_self_ip, 4) != 0) {
        return; /* not ARP over Ethernet for IPv4, or not for us */
    }
    op = st_net_get16(a + 6);
    if (op == ST_NET_ARP_REQUEST) {
        st_net_arp(reply, ST_NET_ARP_REPLY, a + 8, t->d->mac, st_net_self_ip,
                   a + 8, a + 14);
        if (netdev_xmit(t->d, reply, sizeof(reply), &st_net_plain) == 0) {
            t->arp_answered++;
        }
        return;
    }
    if (op == ST_NET_ARP_REPLY && !t->arp_done &&
        memcmp(a + 14, st_net_peer_ip, 4) == 0) {
        if (memcmp(a + 18, t->d->mac, ETH_ALEN) != 0 ||
            memcmp(f, t->d->mac, ETH_ALEN) != 0) {
            st_fail(&t->res, "the ARP reply is addressed to another MAC");
        }
        memcpy(t->peer_mac, a + 8, ETH_ALEN);
        __atomic_store_n(&t->arp_done, true, __ATOMIC_RELEASE);
    }
}

/* An IPv4 packet: takes echo replies from the peer, checked in full. */
static void st_net_rx_ip(struct st_net *t, const uint8_t *f, uint32_t len)
{
    const uint8_t *ip = f + ST_NET_ETH_HLEN;
    const uint8_t *icmp;
    uint32_t hlen;
    uint32_t total;
    uint16_t seq;
    unsigned int i;

    if (len < ST_NET_ETH_HLEN + ST_NET_IP_HLEN || ip[9] != ST_NET_IP_ICMP ||
        memcmp(ip + 12, st_net_peer_ip, 4) != 0 ||
        memcmp(ip + 16, st_net_self_ip, 4) != 0) {
        return; /* not ICMP from the peer to us */
    }
    hlen = (ip[0] & 0xfU) * 4;
    total = st_net_get16(ip + 2);
    if (ip[0] >> 4 != 4 || hlen < ST_NET_IP_HLEN ||
        total < hlen + ST_NET_ICMP_HLEN || total > len - ST_NET_ETH_HLEN) {
        st_fail(&t->res,
                "malformed IPv4 header from the peer (0x%02x, total "
                "length %u in a %u-byte frame)",
                ip[0], total, len);
        return;
    }
    if (st_net_csum(ip, hlen) != 0) {
        st_fail(&t->res, "IPv4 header checksum of a reply does not verify");
        return;
    }
    icmp = ip + hlen;
    if (st_net_csum(icmp, total - hlen) != 0) {
        st_fail(&t->res, "ICMP checksum of a reply does not verify");
        return;
    }
    seq = st_net_get16(icmp + 6);
    if (icmp[0] != ST_NET_ICMP_ECHO_REPLY || icmp[1] != 0 ||
        st_net_get16(icmp + 4) != ST_NET_ICMP_ID || seq >= ST_NET_MAX_SEQ) {
        return; /* another ICMP message */
    }
    if (total - hlen != ST_NET_ICMP_HLEN + ST_NET_PING_DATA) {
        st_fail(&t->res, "echo reply %u carries %u bytes, not %u", seq,
                total - hlen - ST_NET_ICMP_HLEN, ST_NET_PING_DATA);
        return;
    }
    for (i = 0; i < ST_NET_PING_DATA; i++) {
        if (icmp[ST_NET_ICMP_HLEN + i] != st_net_ping_byte(seq, i)) {
            st_fail(&t->res, "echo reply %u: data byte %u differs", seq, i);
            return;
        }
    }
    if (!t->replied[seq]) {
        t->replied[seq] = true;
        if (t->nr_replies == 0) {
            t->first_reply_ns = timer_now_ns();
        }
        __atomic_store_n(&t->nr_replies, t->nr_replies + 1, __ATOMIC_RELEASE);
    }
}

/* net0's rx callback: this CPU, from the NIC's interrupt handler. */
static void st_net_rx(void *ctx, const void *frame, uint32_t len,
                      const struct net_meta *m)
{
    static uint8_t fixed[NETDEV_MAX_FRAME]; /* CPU 0's handler only */
    struct st_net *t = ctx;
    const uint8_t *f = frame;
    uint16_t type = st_net_get16(f + 2 * ETH_ALEN);

    if (m->gso_type != NET_GSO_NONE) {
        return; /* the test only exchanges small frames */
    }
    if (m->flags & NET_META_NEEDS_CSUM) {
        memcpy(fixed, frame, len); /* at most NETDEV_MAX_FRAME: checked */
        net_csum_complete(fixed, len, m);
        f = fixed;
    }

    if (memcmp(f, t->d->mac, ETH_ALEN) != 0 &&
        memcmp(f, st_net_bcast, ETH_ALEN) != 0) {
        return; /* for another station */
    }
    if (type == ST_NET_ETH_ARP) {
        st_net_rx_arp(t, f, len);
    } else if (type == ST_NET_ETH_IPV4) {
        st_net_rx_ip(t, f, len);
    }
}

/* Waits in WFI for an interrupt: the NIC's, or the wake-up at `until`. */
static void st_net_idle(struct st_net *t, uint64_t until)
{
    timer_arm(&t->wake, until);
    arch_cpu_idle(); /* WFI, then the pending interrupts */
}

/* Sends one frame, waiting (until `until`) while the ring is full. */
static bool st_net_send(struct st_net *t, const void *f, uint32_t len,
                        uint64_t until)
{
    int rc;

    while ((rc = netdev_xmit(t->d, f, len, &st_net_plain)) == -HV_EAGAIN) {
        t->ring_full++;
        if (timer_now_ns() >= until) {
            st_fail(&t->res, "the transmit ring stayed full for 10 s");
            return false;
        }
        st_net_idle(t, until); /* until a transmit completion */
    }
    if (rc != 0) {
        st_fail(&t->res, "a frame was refused: %s", hv_strerror(rc));
        return false;
    }
    return true;
}

/* Takes interrupts until *flag reaches target, t fails, or `until`. */
static bool st_net_wait(struct st_net *t, const unsigned int *count,
                        unsigned int target, uint64_t until)
{
    while (__atomic_load_n(count, __ATOMIC_ACQUIRE) < target &&
           !t->res.failed && timer_now_ns() < until) {
        st_net_idle(t, until);
    }
    return __atomic_load_n(count, __ATOMIC_ACQUIRE) >= target;
}

/* (a), (b): resolves the peer's MAC, asking again every second. */
static bool st_net_resolve(struct st_net *t, uint64_t deadline)
{
    static const uint8_t zero_mac[ETH_ALEN];
    uint8_t f[ST_NET_ETH_ZLEN];

    st_net_arp(f, ST_NET_ARP_REQUEST, st_net_bcast, t->d->mac, st_net_self_ip,
               zero_mac, st_net_peer_ip);
    while (!__atomic_load_n(&t->arp_done, __ATOMIC_ACQUIRE) && !t->res.failed) {
        uint64_t next = MIN(timer_now_ns() + ST_NET_RETRY_NS, deadline);

        if (timer_now_ns() >= deadline) {
            st_fail(&t->res,
                    "no ARP reply from 10.0.2.1 within 10 s (%u "
                    "requests sent)",
                    t->arp_sent);
            return false;
        }
        if (!st_net_send(t, f, sizeof(f), deadline)) {
            return false;
        }
        t->arp_sent++;
        while (!__atomic_load_n(&t->arp_done, __ATOMIC_ACQUIRE) &&
               !t->res.failed && timer_now_ns() < next) {
            st_net_idle(t, next);
        }
    }
    return !t->res.failed;
}

/* (c): one echo request, again every second, until one is answered. */
static bool st_net_ping_once(struct st_net *t, uint64_t deadline,
                             uint64_t *rtt_ns)
{
    uint8_t f[ST_NET_PING_LEN];
    uint16_t seq = ST_NET_FIRST_SEQ;

    while (t->nr_replies == 0 && !t->res.failed) {
        if (timer_now_ns() >= deadline || seq == ST_NET_BURST_SEQ) {
            st_fail(&t->res,
                    "no echo reply from 10.0.2.1 within 10 s (%u "
                    "requests sent)",
                    t->pings_sent);
            return false;
        }
        st_net_ping(t, f, seq);
        t->sent_ns[seq] = timer_now_ns();
        if (!st_net_send(t, f, sizeof(f), deadline)) {
            return false;
        }
        t->pings_sent++;
        st_net_wait(t, &t->nr_replies, 1,
                    MIN(timer_now_ns() + ST_NET_RETRY_NS, deadline));
        seq++;
    }
    for (seq = ST_NET_FIRST_SEQ; seq < ST_NET_BURST_SEQ; seq++) {
        if (t->replied[seq]) {
            *rtt_ns = t->first_reply_ns - t->sent_ns[seq];
            break;
        }
    }
    return !t->res.failed;
}

/* (d): ST_NET_BURST echo requests back to back; every one answered. Those
 * still unanswered are sent again every second. */
static bool st_net_burst(struct st_net *t, uint64_t deadline)
{
    uint8_t f[ST_NET_PING_LEN];
    unsigned int base = t->nr_replies;
    unsigned int round;

    for (round = 0; t->nr_replies < base + ST_NET_BURST && !t->res.failed;
         round++) {
        unsigned int k;

        if (timer_now_ns() >= deadline) {
            st_fail(&t->res,
                    "%u of %u burst echo requests answered within "
                    "10 s",
                    t->nr_replies - base, ST_NET_BURST);
            return false;
        }
        for (k = 0; k < ST_NET_BURST; k++) {
            uint16_t seq = (uint16_t)(ST_NET_BURST_SEQ + k);

            if (t->replied[seq]) {
                continue;
            }
            st_net_ping(t, f, seq);
            if (!st_net_send(t, f, sizeof(f), deadline)) {
                return false;
            }
            t->pings_sent++;
        }
        st_net_wait(t, &t->nr_replies, base + ST_NET_BURST,
                    MIN(timer_now_ns() + ST_NET_RETRY_NS, deadline));
    }
    return !t->res.failed;
}

/* Frames netdev_xmit must refuse before they reach the driver. */
static bool st_net_refusals(struct st_net *t)
{
    static const uint8_t big[NETDEV_MAX_FRAME + 1];
    struct netdev_stats before = t->d->stats;

    if (netdev_xmit(t->d, big, NETDEV_MIN_FRAME - 1, &st_net_plain) !=
            -HV_EINVAL ||
        netdev_xmit(t->d, big, NETDEV_MAX_FRAME + 1, &st_net_plain) !=
            -HV_EINVAL ||
        netdev_xmit(t->d, NULL, NETDEV_MIN_FRAME, &st_net_plain) !=
            -HV_EINVAL) {
        st_fail(&t->res, "a frame of a bad length or none was not refused");
        return false;
    }
    if (t->d->stats.tx_frames != before.tx_frames) {
        st_fail(&t->res, "a refused frame reached the device");
        return false;
    }
    return true;
}

static void selftest_net(void)
{
    struct st_net *t = &st_net;
    uint64_t deadline = timer_now_ns() + ST_NET_TIMEOUT_NS;
    uint64_t rtt_ns = 0;
    const uint8_t *m;
    bool ok;

    memset(t, 0, sizeof(*t));
    t->d = netdev_get(0);
    if (t->d == NULL) {
        pr_err("selftest net: FAIL (no network interface: attach a "
               "virtio-net-device and run QEMU with -global "
               "virtio-mmio.force-legacy=false)");
        return;
    }
    netdev_set_rx(t->d, st_net_rx, t);
    timer_event_init(&t->wake, arch_cpu_id(), selftest_tick);

    ok = st_net_refusals(t) && st_net_resolve(t, deadline);
    if (ok) {
        m = t->peer_mac;
        pr_info("selftest net: ARP reply from 10.0.2.1 is-at "
                "%02x:%02x:%02x:%02x:%02x:%02x",
                m[0], m[1], m[2], m[3], m[4], m[5]);
        ok = st_net_ping_once(t, deadline, &rtt_ns);
    }
    if (ok) {
        pr_info("selftest net: echo reply from 10.0.2.1 after %lu us",
                (unsigned long)(rtt_ns / 1000));
        deadline = timer_now_ns() + ST_NET_TIMEOUT_NS;
        ok = st_net_burst(t, deadline);
    }
    timer_cancel(&t->wake);
    netdev_set_rx(t->d, NULL, NULL);
    if (!ok) {
        pr_err("selftest net: FAIL (%s)", t->res.why);
        return;
    }
    pr_info("selftest net: PASS (%s: ARP after %u request(s), %u echo "
            "requests, all %u burst requests answered, transmit ring full "
            "%u times, %u ARP requests answered; %lu frames sent, %lu "
            "received)",
            t->d->name, t->arp_sent, t->pings_sent, ST_NET_BURST, t->ring_full,
            t->arp_answered, (unsigned long)t->d->stats.tx_frames,
            (unsigned long)t->d->stats.rx_frames);
}

/* selftest=net-fault: a malformed frame; the device then needs a reset,
 * and netdev_xmit must refuse everything after it with EIO. */
static void selftest_net_fault(void)
{
    struct st_net *t = &st_net;
    uint64_t deadline = timer_now_ns() + ST_NET_TIMEOUT_NS;
    static const uint8_t zero_mac[ETH_ALEN];
    uint8_t f[ST_NET_ETH_ZLEN];
    int rc;

    memset(t, 0, sizeof(*t));
    t->d = netdev_get(0);
    if (t->d == NULL || !netdev_inject_fault(t->d)) {
        pr_err("selftest net-fault: FAIL (no network interface with a "
               "fault hook)");
        return;
    }
    st_net_arp(f, ST_NET_ARP_REQUEST, st_net_bcast, t->d->mac, st_net_self_ip,
               zero_mac, st_net_peer_ip);
    rc = netdev_xmit(t->d, f, sizeof(f), &st_net_plain);
    if (rc != 0) {
        st_fail(&t->res, "the faulty frame was refused: %s", hv_strerror(rc));
    }
    timer_event_init(&t->wake, arch_cpu_id(), selftest_tick);
    while (rc == 0 || rc == -HV_EAGAIN) {
        if (timer_now_ns() >= deadline) {
            st_fail(&t->res, "no device failure seen within 10 s");
            break;
        }
        st_net_idle(t, deadline); /* the configuration interrupt */
        rc = netdev_xmit(t->d, f, sizeof(f), &st_net_plain);
    }
    timer_cancel(&t->wake);
    if (!t->res.failed && rc != -HV_EIO) {
        st_fail(&t->res, "a frame to the failed device got %s, not EIO",
                hv_strerror(rc));
    }
    if (t->res.failed) {
        pr_err("selftest net-fault: FAIL (%s)", t->res.why);
        return;
    }
    pr_info("selftest net-fault: PASS (device failure seen, frames refused "
            "with EIO, device no longer used)");
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
    if (IS_ENABLED(CONFIG_NETDEV) && strcmp(name, "net") == 0) {
        selftest_net();
        return;
    }
    if (IS_ENABLED(CONFIG_NETDEV) && strcmp(name, "net-fault") == 0) {
        selftest_net_fault();
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
