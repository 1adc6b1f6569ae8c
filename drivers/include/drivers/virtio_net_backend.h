/* SPDX-License-Identifier: MIT */
/*
 * virtio-net for a guest (virtio 1.2, 5.1), one queue pair, plugged into
 * Shoji's virtual switch (drivers/vswitch.h), whose uplink is the host's
 * first NIC when there is one. Offered: VERSION_1 and MAC (the VM
 * description's address); no offloads, so frames are at most 1514 bytes.
 *
 * Transmit: the guest's frames leave through the switch one by one, each
 * copied once out of guest RAM; a frame whose source MAC is not the
 * guest's own is dropped (no spoofing another guest), as are oversized or
 * runt frames. Receive: a frame the switch delivers is copied into the
 * next buffer the guest posted, or dropped when it posted none (counted).
 * Chains in the wrong direction are malformed (DEVICE_NEEDS_RESET).
 *
 * Locking: dev.lock guards the queues, as for every virtio device. The
 * transmit path holds only tx_lock (which also guards txbuf) while it
 * hands a frame to the switch, never dev.lock: the switch then takes other
 * devices' dev.lock to deliver. Order: tx_lock, switch, a dev.lock.
 */
#pragma once

#include <drivers/netdev.h>
#include <drivers/virtio_dev.h>
#include <drivers/vswitch.h>

#define VNET_HDR_SIZE 12

struct virtio_net_stats {
    uint64_t tx_frames, tx_dropped, tx_spoofed;
    uint64_t rx_frames, rx_dropped;
};

struct virtio_net_backend {
    struct virtio_dev dev; /* first: the transport hands back &dev */
    uint8_t mac[ETH_ALEN];
    struct vswitch *sw;
    struct vswitch_port port;
    struct spinlock tx_lock;
    uint8_t txbuf[NETDEV_MAX_FRAME]; /* under tx_lock */
    struct virtq_chain chain;        /* under dev.lock */
    struct virtq_chain txchain;      /* under tx_lock, then dev.lock */
    struct virtio_net_stats stats;   /* under dev.lock / tx_lock */
};

/** The switch every guest's virtio-net is plugged into; created on first
 * use with the host's first NIC (if any) as its uplink. Boot CPU. */
struct vswitch *virtio_net_switch(void);

/** Reserves address mac for VM vm_name: 0, or -HV_EBUSY when another VM
 * has it (logged), -HV_ENOSPC when the switch is full. Boot CPU. */
int virtio_net_claim_mac(const uint8_t *mac, const char *vm_name);

/** Initialises n as a device of vm raising SPI spi, with address mac,
 * plugged into sw. 0, or -HV_ENOSPC when the switch is full. */
int virtio_net_backend_init(struct virtio_net_backend *n, struct vm *vm,
                            unsigned int spi, const struct virtq_mem *mem,
                            const uint8_t *mac, struct vswitch *sw);
