/* SPDX-License-Identifier: MIT */
/*
 * Device side of a virtio 1.x split virtqueue (virtio 1.2, section 2.7).
 *
 * Ownership: the guest driver owns the descriptor table, the available
 * ring and every indirect table; the device (this file) owns the used
 * ring, and of the available ring reads only flags, idx, ring[] and
 * used_event. Nothing here trusts guest memory:
 *
 * - Every guest field is loaded exactly once, through a volatile access,
 *   into a local that is then checked and used; the guest may rewrite the
 *   memory behind it at any time without affecting what we decided.
 * - Every guest range (ring, indirect table, buffer) is translated with
 *   mem->translate on each use, so it lies wholly inside guest RAM.
 * - A malformed chain marks the queue broken with a static reason and
 *   consumes nothing: last_avail moves only after a whole chain checked
 *   out. A broken queue refuses every call until virtq_setup().
 *
 * Invariants: num is a power of two, so `idx & (num - 1)` is the ring
 * slot of a free-running 16-bit index; the rings are aligned (setup
 * checks it), so the 16- and 32-bit ring fields are single naturally
 * aligned accesses that cannot tear. Descriptors are read byte by byte
 * instead, because an indirect table has no alignment guarantee; the
 * driver must not change a descriptor it made available, so a torn read
 * can only give a value the checks below refuse or accept as any other.
 */
#include <drivers/virtq.h>
#include <hv/errno.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "the ring fields are little-endian and read as host integers");

#define DESC_SIZE 16U
#define AVAIL_RING 4U /* offset of avail->ring[] and of used->ring[] */
#define USED_ELEM_SIZE 8U

static const char ERR_SIZE[] = "queue size not a power of two in 1..32768";
static const char ERR_DESC_ALIGN[] = "descriptor table not 16-byte aligned";
static const char ERR_AVAIL_ALIGN[] = "avail ring not 2-byte aligned";
static const char ERR_USED_ALIGN[] = "used ring not 4-byte aligned";
static const char ERR_DESC_RAM[] = "descriptor table outside guest memory";
static const char ERR_AVAIL_RAM[] = "avail ring outside guest memory";
static const char ERR_USED_RAM[] = "used ring outside guest memory";
static const char ERR_AHEAD[] =
    "avail index ran more than the queue size ahead";
static const char ERR_HEAD[] = "avail ring head out of range";
static const char ERR_NEXT[] = "descriptor next index out of range";
static const char ERR_LOOP[] =
    "descriptor chain loops or runs longer than the queue";
static const char ERR_SEGS[] = "chain has more than VIRTQ_MAX_SEGS segments";
static const char ERR_ZERO[] = "zero-length descriptor";
static const char ERR_ORDER[] =
    "device-readable descriptor after a device-writable one";
static const char ERR_BYTES[] = "chain longer than VIRTQ_MAX_CHAIN_BYTES";
static const char ERR_BUF_RAM[] = "descriptor outside guest memory";
static const char ERR_IND_FEATURE[] =
    "indirect descriptor without VIRTIO_F_INDIRECT_DESC";
static const char ERR_IND_NEXT[] = "indirect descriptor with NEXT set";
static const char ERR_IND_LEN[] =
    "indirect table length not a non-zero multiple of 16";
static const char ERR_IND_SEGS[] =
    "indirect table has more than VIRTQ_MAX_SEGS entries";
static const char ERR_IND_RAM[] = "indirect table outside guest memory";
static const char ERR_IND_NESTED[] = "nested indirect descriptor";
static const char ERR_IND_NEXT_RANGE[] =
    "indirect table next index out of range";
static const char ERR_IND_LOOP[] = "indirect table chain loops";
static const char ERR_USED_HEAD[] = "used head out of range";

/* Our copy of one descriptor, taken once from guest memory. */
struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

/* A descriptor table being walked: the queue's own or an indirect one. */
struct virtq_table {
    const volatile uint8_t *base;
    uint32_t entries;
    bool indirect;
};

static uint64_t virtq_desc_bytes(uint16_t num)
{
    return (uint64_t)num * DESC_SIZE;
}

static uint64_t virtq_avail_bytes(uint16_t num)
{
    return 6 + 2 * (uint64_t)num;
}

static uint64_t virtq_used_bytes(uint16_t num)
{
    return 6 + USED_ELEM_SIZE * (uint64_t)num;
}

static uint16_t virtq_load16(const volatile uint8_t *p)
{
    return *(const volatile uint16_t *)p;
}

static void virtq_store16(volatile uint8_t *p, uint16_t v)
{
    *(volatile uint16_t *)p = v;
}

static void virtq_store32(volatile uint8_t *p, uint32_t v)
{
    *(volatile uint32_t *)p = v;
}

/* n little-endian bytes at p, each read once. */
static uint64_t virtq_load_bytes(const volatile uint8_t *p, unsigned int n)
{
    uint64_t v = 0;

    while (n-- > 0) {
        v = (v << 8) | p[n];
    }
    return v;
}

static void virtq_desc_load(const volatile uint8_t *p, struct virtq_desc *d)
{
    d->addr = virtq_load_bytes(p, 8);
    d->len = (uint32_t)virtq_load_bytes(p + 8, 4);
    d->flags = (uint16_t)virtq_load_bytes(p + 12, 2);
    d->next = (uint16_t)virtq_load_bytes(p + 14, 2);
}

static int virtq_fail(struct virtq *q, const char *why)
{
    q->broken = true;
    q->error = why;
    return -HV_EINVAL;
}

static volatile uint8_t *virtq_map(const struct virtq_mem *mem, uint64_t gpa,
                                   uint64_t len)
{
    return mem->translate(mem->ctx, gpa, len);
}

/* Why the rings cannot be used, or NULL when they can. */
static const char *virtq_check_rings(const struct virtq *q,
                                     const struct virtq_mem *mem)
{
    if (q->num == 0 || q->num > VIRTQ_MAX_SIZE || (q->num & (q->num - 1))) {
        return ERR_SIZE;
    }
    if (q->desc_gpa % 16 != 0) {
        return ERR_DESC_ALIGN;
    }
    if (q->avail_gpa % 2 != 0) {
        return ERR_AVAIL_ALIGN;
    }
    if (q->used_gpa % 4 != 0) {
        return ERR_USED_ALIGN;
    }
    if (!virtq_map(mem, q->desc_gpa, virtq_desc_bytes(q->num))) {
        return ERR_DESC_RAM;
    }
    if (!virtq_map(mem, q->avail_gpa, virtq_avail_bytes(q->num))) {
        return ERR_AVAIL_RAM;
    }
    if (!virtq_map(mem, q->used_gpa, virtq_used_bytes(q->num))) {
        return ERR_USED_RAM;
    }
    return NULL;
}

int virtq_setup(struct virtq *q, const struct virtq_mem *mem, uint16_t num,
                uint64_t desc_gpa, uint64_t avail_gpa, uint64_t used_gpa,
                bool event_idx, bool indirect)
{
    const char *why;

    q->num = num;
    q->desc_gpa = desc_gpa;
    q->avail_gpa = avail_gpa;
    q->used_gpa = used_gpa;
    q->last_avail = 0;
    q->used_idx = 0;
    q->signalled_used = 0;
    q->event_idx = event_idx;
    q->quiet = false;
    q->indirect = indirect;
    q->broken = false;
    q->error = NULL;
    why = virtq_check_rings(q, mem);
    return why ? virtq_fail(q, why) : 0;
}

/* Appends the buffer d describes to c, or says why it cannot. */
static const char *virtq_add_seg(const struct virtq_mem *mem,
                                 struct virtq_chain *c,
                                 const struct virtq_desc *d)
{
    bool write = (d->flags & VIRTQ_DESC_F_WRITE) != 0;
    struct virtq_seg *s;
    void *ptr;

    if (c->nr_segs == VIRTQ_MAX_SEGS) {
        return ERR_SEGS;
    }
    if (d->len == 0) {
        return ERR_ZERO;
    }
    if (!write && c->nr_segs > c->nr_readable) {
        return ERR_ORDER;
    }
    /* Both totals stay <= VIRTQ_MAX_CHAIN_BYTES: the sum cannot wrap. */
    if (c->readable_bytes + c->writable_bytes + d->len >
        VIRTQ_MAX_CHAIN_BYTES) {
        return ERR_BYTES;
    }
    ptr = mem->translate(mem->ctx, d->addr, d->len);
    if (!ptr) {
        return ERR_BUF_RAM;
    }
    s = &c->segs[c->nr_segs++];
    s->gpa = d->addr;
    s->len = d->len;
    s->write = write;
    s->ptr = ptr;
    if (write) {
        c->writable_bytes += d->len;
    } else {
        c->nr_readable++;
        c->readable_bytes += d->len;
    }
    return NULL;
}

/*
 * Checks the descriptor d, met in table *t, that refers to an indirect
 * table, and makes *t that table. Only the queue's own table may refer to
 * one, and d is then the last of its chain.
 */
static const char *virtq_enter_indirect(const struct virtq *q,
                                        const struct virtq_mem *mem,
                                        const struct virtq_desc *d,
                                        struct virtq_table *t)
{
    if (t->indirect) {
        return ERR_IND_NESTED;
    }
    if (!q->indirect) {
        return ERR_IND_FEATURE;
    }
    if (d->flags & VIRTQ_DESC_F_NEXT) {
        return ERR_IND_NEXT;
    }
    if (d->len == 0 || d->len % DESC_SIZE != 0) {
        return ERR_IND_LEN;
    }
    if (d->len / DESC_SIZE > VIRTQ_MAX_SEGS) {
        return ERR_IND_SEGS;
    }
    t->base = virtq_map(mem, d->addr, d->len);
    if (!t->base) {
        return ERR_IND_RAM;
    }
    t->entries = d->len / DESC_SIZE;
    t->indirect = true;
    return NULL;
}

static void virtq_chain_reset(struct virtq_chain *c, uint16_t head)
{
    c->head = head;
    c->nr_segs = 0;
    c->nr_readable = 0;
    c->readable_bytes = 0;
    c->writable_bytes = 0;
}

/*
 * Walks the chain from entry `head` of the queue's table into c, moving
 * to entry 0 of an indirect table where the chain refers to one. A chain
 * visits each entry of a table at most once, so one visiting more entries
 * than the table holds loops (or, in the queue's own table, runs longer
 * than the queue, which is the same thing). The WRITE flag of a descriptor
 * referring to an indirect table is ignored, as the spec requires.
 */
static const char *virtq_walk(const struct virtq *q,
                              const struct virtq_mem *mem, uint16_t head,
                              struct virtq_chain *c)
{
    struct virtq_table t = {.entries = q->num, .indirect = false};
    uint32_t idx = head, visited = 0;
    struct virtq_desc d;
    const char *why;

    t.base = virtq_map(mem, q->desc_gpa, virtq_desc_bytes(q->num));
    if (!t.base) {
        return ERR_DESC_RAM;
    }
    virtq_chain_reset(c, head);
    for (;;) {
        if (++visited > t.entries) {
            return t.indirect ? ERR_IND_LOOP : ERR_LOOP;
        }
        virtq_desc_load(t.base + idx * DESC_SIZE, &d);
        if (d.flags & VIRTQ_DESC_F_INDIRECT) {
            why = virtq_enter_indirect(q, mem, &d, &t);
            if (why) {
                return why;
            }
            idx = 0;
            visited = 0;
            continue;
        }
        why = virtq_add_seg(mem, c, &d);
        if (why || !(d.flags & VIRTQ_DESC_F_NEXT)) {
            return why;
        }
        if (d.next >= t.entries) {
            return t.indirect ? ERR_IND_NEXT_RANGE : ERR_NEXT;
        }
        idx = d.next;
    }
}

/*
 * Tells the driver, through avail_event, to notify us once it makes the
 * entry at last_avail available. The full fence orders this store before
 * the load of avail->idx in the next virtq_pop(): the driver stores
 * avail->idx, fences, then loads avail_event, so with both fences either
 * we see its new idx or it sees our avail_event and notifies. Without ours
 * both could read the old values and the new chain would sit unnoticed.
 */
static void virtq_set_avail_event(const struct virtq *q, volatile uint8_t *used)
{
    /* Quiet: a driver kicks when its new entries pass avail_event, and
     * they lie within num (at most 2^15) of last_avail, never 2^15 on. */
    uint16_t event =
        q->quiet ? (uint16_t)(q->last_avail + 0x8000U) : q->last_avail;

    virtq_store16(used + AVAIL_RING + USED_ELEM_SIZE * q->num, event);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

int virtq_pop(struct virtq *q, const struct virtq_mem *mem,
              struct virtq_chain *c)
{
    const volatile uint8_t *avail;
    volatile uint8_t *used = NULL;
    uint16_t avail_idx, pending, head;
    const char *why;

    if (q->broken) {
        return -HV_EINVAL;
    }
    avail = virtq_map(mem, q->avail_gpa, virtq_avail_bytes(q->num));
    if (!avail) {
        return virtq_fail(q, ERR_AVAIL_RAM);
    }
    if (q->event_idx) {
        used = virtq_map(mem, q->used_gpa, virtq_used_bytes(q->num));
        if (!used) {
            return virtq_fail(q, ERR_USED_RAM);
        }
    }
    avail_idx = virtq_load16(avail + 2);
    pending = (uint16_t)(avail_idx - q->last_avail);
    if (pending == 0) {
        return 0;
    }
    if (pending > q->num) {
        return virtq_fail(q, ERR_AHEAD);
    }
    /* The ring entry and the chain were written before avail->idx. */
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    head =
        virtq_load16(avail + AVAIL_RING + 2U * (q->last_avail & (q->num - 1U)));
    if (head >= q->num) {
        return virtq_fail(q, ERR_HEAD);
    }
    why = virtq_walk(q, mem, head, c);
    if (why) {
        return virtq_fail(q, why);
    }
    q->last_avail++;
    if (used) {
        virtq_set_avail_event(q, used);
    }
    return 1;
}

int virtq_push_many(struct virtq *q, const struct virtq_mem *mem,
                    const uint16_t *heads, const uint32_t *written,
                    unsigned int n)
{
    volatile uint8_t *used;
    unsigned int i;

    if (q->broken) {
        return -HV_EINVAL;
    }
    for (i = 0; i < n; i++) {
        if (heads[i] >= q->num) {
            return virtq_fail(q, ERR_USED_HEAD);
        }
    }
    used = virtq_map(mem, q->used_gpa, virtq_used_bytes(q->num));
    if (!used) {
        return virtq_fail(q, ERR_USED_RAM);
    }
    for (i = 0; i < n; i++) {
        volatile uint8_t *elem =
            used + AVAIL_RING +
            USED_ELEM_SIZE * ((uint16_t)(q->used_idx + i) & (q->num - 1U));

        virtq_store32(elem, heads[i]);
        virtq_store32(elem + 4, written[i]);
    }
    /* The driver must see the elements (and the data) before the index,
     * which moves once: it never sees part of what goes together. */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    q->used_idx = (uint16_t)(q->used_idx + n);
    virtq_store16(used + 2, q->used_idx);
    return 0;
}

int virtq_push(struct virtq *q, const struct virtq_mem *mem, uint16_t head,
               uint32_t written)
{
    return virtq_push_many(q, mem, &head, &written, 1);
}

void virtq_unpop(struct virtq *q, uint16_t n)
{
    /* The driver cannot have reused these slots: they were never pushed
     * back. With event_idx, avail_event stays ahead; that only means one
     * notification the device did not need. */
    q->last_avail = (uint16_t)(q->last_avail - n);
}

int virtq_set_used_flags(struct virtq *q, const struct virtq_mem *mem,
                         uint16_t flags)
{
    volatile uint8_t *used;

    if (q->broken) {
        return -HV_EINVAL;
    }
    used = virtq_map(mem, q->used_gpa, virtq_used_bytes(q->num));
    if (!used) {
        return virtq_fail(q, ERR_USED_RAM);
    }
    virtq_store16(used, flags);
    if (q->event_idx) {
        q->quiet = (flags & VIRTQ_USED_F_NO_NOTIFY) != 0;
        virtq_set_avail_event(q, used);
    } else {
        /* As in virtq_set_avail_event: the flags out before the next
         * pop reads avail->idx, so that a device that turns
         * notifications back on and looks again misses nothing. */
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
    }
    return 0;
}

bool virtq_should_notify(struct virtq *q, const struct virtq_mem *mem)
{
    const volatile uint8_t *avail;
    uint16_t event, old = q->signalled_used, now = q->used_idx;
    bool notify;

    if (q->broken) {
        return false;
    }
    avail = virtq_map(mem, q->avail_gpa, virtq_avail_bytes(q->num));
    if (!avail) {
        virtq_fail(q, ERR_AVAIL_RAM);
        return false;
    }
    /*
     * Orders our used->idx store (in virtq_push) before the loads below.
     * The driver stores used_event (or clears NO_INTERRUPT), fences, then
     * re-reads used->idx: with a fence on both sides, either it sees our
     * new idx and takes the buffers itself, or we see its new used_event
     * and notify. A release fence would not stop the loads below from
     * passing the store, and the interrupt would be lost.
     */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (!q->event_idx) {
        notify = !(virtq_load16(avail) & VIRTQ_AVAIL_F_NO_INTERRUPT);
    } else {
        event = virtq_load16(avail + AVAIL_RING + 2U * q->num);
        /* Did a push since old fill the used entry numbered used_event,
         * i.e. is used_event in [old, now)? (vring_need_event) */
        notify = (uint16_t)(now - event - 1) < (uint16_t)(now - old);
    }
    /* Every check counts, as in the spec's rule: the window stays under
     * 2^16 and a used_event moved back is judged afresh. */
    q->signalled_used = now;
    return notify;
}
