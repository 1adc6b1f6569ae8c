/* SPDX-License-Identifier: MIT */
/*
 * Device side of a virtio 1.x split virtqueue that lives in guest memory
 * (virtio 1.2, section 2.7): taking descriptor chains the driver made
 * available and returning them as used.
 *
 * Hostile input: the guest owns the rings and may rewrite them at any
 * moment. Every ring or descriptor field is read exactly once into a local
 * copy before it is checked and used, every guest address range goes
 * through mem->translate (which refuses anything not wholly inside the
 * guest's RAM), and any malformation (a head or next index beyond the
 * queue, a loop or a chain longer than the queue, a zero or oversized
 * length, a device-readable segment after a device-writable one, a bad
 * indirect table, an avail index running more than the queue size ahead)
 * marks the queue broken with a static reason and returns -HV_EINVAL; the
 * device then reports DEVICE_NEEDS_RESET. A broken queue stays broken until
 * virtq_setup() runs again.
 *
 * Locking: the caller serialises all calls for one queue.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VIRTQ_MAX_SIZE 32768
/* Segments a chain may have (direct or indirect); longer chains are
 * refused as malformed. Devices advertise seg_max below this. */
#define VIRTQ_MAX_SEGS 128
/* Largest total length of one chain: 16 MiB. */
#define VIRTQ_MAX_CHAIN_BYTES (16U << 20)

/* Descriptor flags (virtio 1.2, 2.7.5). */
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4
/* avail->flags and used->flags. */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY 1

/* The guest memory a device may touch. */
struct virtq_mem {
    /* A hypervisor pointer to [gpa, gpa + len), or NULL unless that range
     * lies wholly inside the guest's RAM. */
    void *(*translate)(void *ctx, uint64_t gpa, uint64_t len);
    void *ctx;
};

struct virtq {
    uint16_t num; /* queue size: a power of two, 1..VIRTQ_MAX_SIZE */
    uint64_t desc_gpa, avail_gpa, used_gpa;
    uint16_t last_avail; /* next avail ring slot to take */
    uint16_t used_idx;   /* our copy of used->idx */
    bool event_idx;      /* VIRTIO_F_EVENT_IDX negotiated */
    bool quiet;          /* event_idx: no kicks wanted (avail_event) */
    bool indirect;       /* VIRTIO_F_INDIRECT_DESC negotiated */
    bool broken;
    const char *error;       /* why it broke, a static string */
    uint16_t signalled_used; /* used_idx at the last notify check */
};

/* One buffer of a chain, translated. Readable segments come first. */
struct virtq_seg {
    uint64_t gpa;
    uint32_t len;
    bool write; /* device-writable */
    void *ptr;  /* hypervisor address of [gpa, gpa + len) */
};

struct virtq_chain {
    uint16_t head; /* to hand back to virtq_push */
    unsigned int nr_segs;
    unsigned int nr_readable; /* segs[0..nr_readable) are readable */
    uint64_t readable_bytes;
    uint64_t writable_bytes;
    struct virtq_seg segs[VIRTQ_MAX_SEGS];
};

/**
 * Takes the queue into use (or again, after a reset) with num entries and
 * the three rings at the given guest addresses, as the driver wrote them
 * to the transport. Checks size, alignment (16, 2, 4) and that each ring
 * lies in guest RAM. 0, or -HV_EINVAL with q->error set (q broken).
 */
int virtq_setup(struct virtq *q, const struct virtq_mem *mem, uint16_t num,
                uint64_t desc_gpa, uint64_t avail_gpa, uint64_t used_gpa,
                bool event_idx, bool indirect);

/**
 * Takes the next available chain into *c. 1 when one was taken, 0 when
 * none is available, -HV_EINVAL when the queue is (or just became)
 * broken.
 */
int virtq_pop(struct virtq *q, const struct virtq_mem *mem,
              struct virtq_chain *c);

/**
 * Returns chain head as used with `written` bytes written into its
 * writable segments (the used ring entry first, then used->idx, with a
 * barrier between). 0, or -HV_EINVAL when the queue is broken or the used
 * ring is no longer in guest RAM.
 */
int virtq_push(struct virtq *q, const struct virtq_mem *mem, uint16_t head,
               uint32_t written);

/**
 * The same for n chains at once: all their used ring entries, then
 * used->idx moved by n in one store, so the driver sees all or none (the
 * buffers of one received frame with MRG_RXBUF, say: a driver that saw
 * only the first would find the others missing). n at most the queue
 * size.
 */
int virtq_push_many(struct virtq *q, const struct virtq_mem *mem,
                    const uint16_t *heads, const uint32_t *written,
                    unsigned int n);

/**
 * Gives back the last n chains virtq_pop() returned, none of them pushed
 * since: the next pops return them again (a device that popped buffers
 * for a frame and then found too few). n must not exceed those pops.
 */
void virtq_unpop(struct virtq *q, uint16_t n);

/**
 * Writes used->flags (VIRTQ_USED_F_NO_NOTIFY: the device needs no
 * notifications for this queue, a hint drivers follow). With event_idx,
 * where drivers ignore the flags, NO_NOTIFY instead keeps avail_event half
 * the index space away from last_avail from now on, out of reach of any
 * driver that fills the ring (and 0 brings it back). Ends with a full
 * fence, so a pop after turning notifications on sees every chain the
 * driver made available without notifying. 0, or -HV_EINVAL when the
 * queue is broken or its used ring left guest RAM (then broken).
 */
int virtq_set_used_flags(struct virtq *q, const struct virtq_mem *mem,
                         uint16_t flags);

/**
 * Should the device interrupt the driver after its pushes? Honours
 * VIRTQ_AVAIL_F_NO_INTERRUPT, or used_event with event_idx; records
 * used_idx as checked, whatever the answer.
 */
bool virtq_should_notify(struct virtq *q, const struct virtq_mem *mem);
