/* SPDX-License-Identifier: MIT */
/*
 * A virtual Ethernet switch with MAC learning: ports are guests' virtio-net
 * devices and, optionally, an uplink to a host NIC. A frame entering on a
 * port teaches the switch that its source MAC lives there (unless the
 * source is a group address); it is then sent out of the port that learned
 * its destination MAC, or, for group addresses and unknown destinations,
 * flooded out of every other port. A frame is never sent back out of the
 * port it came in on. Learned entries age out after VSWITCH_AGE_NS and
 * move when a MAC shows up on another port.
 *
 * Offloads (drivers/net_offload.h): a frame travels with its checksum and
 * segmentation request. A port that takes the request (its `offloads`)
 * gets the frame as it is; for one that does not, the switch completes
 * the checksum or cuts the GSO frame into plain segments in software
 * first, so every receiver sees only what it negotiated. DATA_VALID only
 * reaches ports that take checksum offload.
 *
 * Locking: sw->lock protects the forwarding table only. vswitch_input()
 * looks the destination up under it, then calls the ports' deliver hooks
 * without it, so a deliver may take its device's lock (order: a device's
 * lock is never held while calling vswitch_input; deliver hooks must not
 * call vswitch_input themselves).
 */
#pragma once

#include <drivers/net_offload.h>
#include <hv/spinlock.h>
#include <hv/types.h>

#define VSWITCH_MAX_PORTS 8
#define VSWITCH_FDB_SIZE 64
#define VSWITCH_AGE_NS (300ULL * 1000 * 1000 * 1000)

struct vswitch_port {
    const char *name; /* for messages: the VM's name, or the NIC's */
    /* Sends frame out of this port: to the guest's receive queue or the
     * NIC. Copies what it keeps; may drop (no room). m only asks for
     * what `offloads` lists (read at the time of the call: a deliver
     * whose port has lost an offload since drops such a frame). */
    void (*deliver)(struct vswitch_port *p, const void *frame, uint32_t len,
                    const struct net_meta *m);
    void *ctx;                                 /* the port owner's */
    uint32_t offloads;                         /* NET_OFF_*; owner sets */
    unsigned int index;                        /* set by vswitch_add_port */
    uint64_t rx_frames, tx_frames, tx_flooded; /* under sw->lock */
    uint64_t tx_soft; /* frames fixed up in software for it (atomic) */
    /* The software fix-ups of frames entering on this port are built
     * here: vswitch_input calls for one port are serialised by its
     * owner. */
    uint8_t scratch[NET_MAX_FRAME];
};

struct vswitch_fdb_entry {
    uint8_t mac[6];
    uint8_t port;
    bool used;
    uint64_t seen_ns;
};

struct vswitch {
    struct spinlock lock;
    struct vswitch_port *ports[VSWITCH_MAX_PORTS];
    unsigned int nr_ports;
    struct vswitch_fdb_entry fdb[VSWITCH_FDB_SIZE];
};

/** An empty switch. */
void vswitch_init(struct vswitch *sw);

/** Plugs p in: 0, or -HV_ENOSPC. Boot time, before frames flow. */
int vswitch_add_port(struct vswitch *sw, struct vswitch_port *p);

/**
 * Switches one frame (len bytes, Ethernet header first) with offload
 * request m that entered on port `from` at time now_ns. m must have passed
 * net_meta_check (the port's owner checks what its sender gave). Frames
 * shorter than an Ethernet header are dropped. The frame is only read
 * during the call. Calls for one `from` port must not run concurrently
 * (from->scratch).
 */
void vswitch_input(struct vswitch *sw, struct vswitch_port *from,
                   const void *frame, uint32_t len, const struct net_meta *m,
                   uint64_t now_ns);

/** The port that learned mac (and not aged out at now_ns), or NULL. */
struct vswitch_port *vswitch_lookup(struct vswitch *sw, const uint8_t *mac,
                                    uint64_t now_ns);
