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
 * NETDEV_MIN_FRAME..NETDEV_MAX_FRAME bytes (1500-byte MTU, no VLAN tag).
 *
 * Locking: netdev_xmit may be called on any CPU, concurrently; each
 * driver serialises its rings with its own spinlock.
 */
#pragma once

#include <hv/types.h>

#define NETDEV_MAX 4
#define NETDEV_MIN_FRAME 14
#define NETDEV_MAX_FRAME 1514
#define ETH_ALEN 6

struct netdev;

typedef void (*netdev_rx_fn)(void *ctx, const void *frame, uint32_t len);

struct netdev_ops {
    /* Copies and queues one frame netdev_xmit has validated: 0,
     * -HV_EAGAIN (ring full: dropped), -HV_EIO (device failed). */
    int (*xmit)(struct netdev *d, const void *frame, uint32_t len);
    /* Optional, for self-tests: the next frame goes to the device
     * malformed, so that the device reports a failure. */
    void (*inject_fault)(struct netdev *d);
};

struct netdev_stats {
    uint64_t tx_frames, tx_dropped;
    uint64_t rx_frames, rx_dropped;
};

/* One interface. Filled by its driver before netdev_register(); read-only
 * afterwards except rx/rx_ctx (netdev_set_rx) and stats. */
struct netdev {
    char name[8]; /* "net0", ...: set by netdev_register */
    uint8_t mac[ETH_ALEN];
    const struct netdev_ops *ops;
    void *priv; /* the driver's */
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
 * Sends one frame (copied before the call returns). 0; -HV_EINVAL for a
 * length outside NETDEV_MIN_FRAME..NETDEV_MAX_FRAME or a NULL frame;
 * -HV_EAGAIN when the transmit ring is full (the frame is dropped);
 * -HV_EIO when the device has failed.
 */
int netdev_xmit(struct netdev *d, const void *frame, uint32_t len);

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

/** Hands a received frame to d's consumer (drivers call this). */
void netdev_receive(struct netdev *d, const void *frame, uint32_t len);

/**
 * Probes the host device tree's virtio-mmio transports and registers each
 * usable virtio-net device (drivers/net/virtio_net_phys.c). Boot CPU.
 */
void virtio_net_phys_probe(const void *dtb);
