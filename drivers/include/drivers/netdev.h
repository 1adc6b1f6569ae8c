/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's own network interfaces (the host's NICs, today
 * virtio-net over virtio-mmio): Ethernet frames in and out, by copy.
 *
 * Transmit: netdev_xmit() copies the frame into a driver buffer and
 * returns; the caller's buffer is free again at once. A full transmit ring
 * drops the frame (-HV_EAGAIN), as a NIC would.
 * Receive: the driver calls the consumer's rx callback (netdev_set_rx) once
 * per frame, from the NIC's interrupt handler on the CPU that takes it
 * (CPU 0), with interrupts masked and no driver lock held; the frame is
 * valid only during the call (the consumer copies what it keeps). Frames
 * arriving with no consumer are dropped.
 *
 * Frames are Ethernet frames without the FCS: 14-byte header + payload,
 * NETDEV_MIN_FRAME..NETDEV_MAX_FRAME bytes (1500-byte MTU, no VLAN tag),
 * each with the offload request of drivers/net_offload.h. A frame may
 * carry a request only when the other side takes it: xmit is only handed
 * what the interface's `offloads` lists (then up to NET_MAX_GSO_FRAME
 * bytes), and a driver hands its consumer requests the NIC made, checked
 * with net_meta_check.
 *
 * Locking: netdev_xmit may be called on any CPU, concurrently; each
 * driver serialises its rings with its own spinlock.
 */
#pragma once

#include <drivers/net_offload.h>
#include <hv/types.h>

#define NETDEV_MAX 4
#define NETDEV_MIN_FRAME 14
#define NETDEV_MAX_FRAME NET_MAX_FRAME
#define ETH_ALEN 6

struct netdev;

typedef void (*netdev_rx_fn)(void *ctx, const void *frame, uint32_t len,
                             const struct net_meta *m);

struct netdev_ops {
    /* Copies and queues one frame netdev_xmit has validated: 0,
     * -HV_EAGAIN (ring full: dropped), -HV_EIO (device failed). */
    int (*xmit)(struct netdev *d, const void *frame, uint32_t len,
                const struct net_meta *m);
    /* Optional, for self-tests: the next frame goes to the device
     * malformed, so that the device reports a failure. */
    void (*inject_fault)(struct netdev *d);
    /* Optional, both or neither: netdev_tx_borrow / netdev_tx_return. */
    void *(*tx_borrow)(struct netdev *d, uint32_t len);
    void (*tx_return)(struct netdev *d, void *buf);
};

struct netdev_stats {
    uint64_t tx_frames, tx_dropped;
    uint64_t rx_frames, rx_dropped;
    uint64_t tx_gso, rx_gso; /* frames that carried a GSO request */
};

/* One interface. Filled by its driver before netdev_register(); read-only
 * afterwards except rx/rx_ctx (netdev_set_rx) and stats. */
struct netdev {
    char name[8]; /* "net0", ...: set by netdev_register */
    uint8_t mac[ETH_ALEN];
    const struct netdev_ops *ops;
    uint32_t offloads; /* NET_OFF_*: what xmit takes; set before register */
    void *priv;        /* the driver's */
    netdev_rx_fn rx;
    void *rx_ctx;
    struct netdev_stats stats;
};

/** Number of registered interfaces. */
unsigned int netdev_count(void);

/** Interface i (0-based, registration order), or NULL. */
struct netdev *netdev_get(unsigned int i);

/** Sets (or, with NULL, removes) the consumer of d's received frames. */
void netdev_set_rx(struct netdev *d, netdev_rx_fn rx, void *ctx);

/**
 * Sends one frame with offload request m (copied before the call
 * returns). 0; -HV_EINVAL for a NULL frame or m, a request d does not take
 * (its offloads), or a length outside NETDEV_MIN_FRAME..NETDEV_MAX_FRAME
 * (NET_MAX_GSO_FRAME with a GSO request);
 * -HV_EAGAIN when the transmit ring is full (the frame is dropped);
 * -HV_EIO when the device has failed.
 */
int netdev_xmit(struct netdev *d, const void *frame, uint32_t len,
                const struct net_meta *m);

/**
 * Lends the caller a free transmit buffer of d for a frame of up to len
 * bytes, so that a frame built there goes out without another copy: where
 * the frame goes, or NULL (d does not lend, has none free or none that
 * large, or has failed). The caller owns the buffer until
 * netdev_tx_return(); a netdev_xmit() of exactly that frame meanwhile (the
 * returned pointer, any length up to len) only records it, and the return
 * sends it. So a frame may be read after it was "sent", e.g. while a
 * switch floods it to other ports. Any CPU; one loan per caller at a time.
 */
void *netdev_tx_borrow(struct netdev *d, uint32_t len);

/** Ends the loan of buf: sends the frame netdev_xmit recorded from it, if
 * any (a failed device drops it), and frees the buffer otherwise. */
void netdev_tx_return(struct netdev *d, void *buf);

/**
 * Self-tests only: makes the next frame queued on d reach the device
 * malformed (virtio-net: a short header), so that the device reports
 * DEVICE_NEEDS_RESET and the driver's failure path runs: d is not used
 * again and netdev_xmit returns -HV_EIO. False when d's driver has no
 * such hook.
 */
bool netdev_inject_fault(struct netdev *d);

/* --- for drivers --------------------------------------------------------- */

/** Adds a fully set up interface and names it: 0, or -HV_ENOSPC. Boot CPU,
 * during probing. */
int netdev_register(struct netdev *d);

/** Hands a received frame, with the NIC's checked offload request m, to
 * d's consumer (drivers call this). */
void netdev_receive(struct netdev *d, const void *frame, uint32_t len,
                    const struct net_meta *m);

/**
 * Probes the host device tree's virtio-mmio transports and registers each
 * usable virtio-net device (drivers/net/virtio_net_phys.c). Boot CPU.
 */
void virtio_net_phys_probe(const void *dtb);
