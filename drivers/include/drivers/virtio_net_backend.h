/* SPDX-License-Identifier: MIT */
/*
 * virtio-net for a guest (virtio 1.2, 5.1), one queue pair, plugged into
 * Shoji's virtual switch (drivers/vswitch.h), whose uplink is the host's
 * first NIC when there is one. Offered: VERSION_1, MAC (the VM
 * description's address), INDIRECT_DESC, and the offloads CSUM, HOST_TSO4,
 * HOST_TSO6 (the guest may send partial checksums and TCP frames of up to
 * 64 KiB) and GUEST_CSUM, GUEST_TSO4, GUEST_TSO6 (it takes them), and
 * MRG_RXBUF (a frame may fill several receive buffers; without it, a guest
 * that takes TSO must post 64 KiB ones, as Linux does with chains of
 * pages), and EVENT_IDX (Linux then asks for a transmit interrupt only
 * once most of what it queued was sent; the receive queue's avail_event
 * is kept out of the guest's reach, since buffers need no notify).
 *
 * Transmit: when the switch has an uplink and the guest's vCPU is not on
 * the CPU that takes the NIC's interrupts (IRQ_HOST_CPU), a notify only
 * hands the work to that CPU (tx_work, hv/work.h), which does what
 * follows while the vCPU goes on. The guest's frames leave through the
 * switch one by one, each
 * copied once out of guest RAM (into a transmit buffer the uplink's NIC
 * lends, when it can: a frame for the NIC is then not copied again), its
 * header's offload request checked on
 * the copy (net_meta_check, and only what the guest negotiated); a frame
 * whose source MAC is not the guest's own is dropped (no spoofing another
 * guest), as are oversized or runt frames and bad requests (counted).
 * Receive: a frame the switch delivers is copied into the next buffer
 * the guest posted (or, with MRG_RXBUF, the next buffers), with its
 * request in the header, or dropped when the guest posted none, too few or
 * one too small (counted). The port's offloads are
 * what the guest negotiated (set at DRIVER_OK, cleared on reset), so the
 * switch fixes up in software what the guest does not take.
 * Chains in the wrong direction are malformed (DEVICE_NEEDS_RESET).
 *
 * Locking: dev.lock guards the queues, as for every virtio device, but
 * is let go while a frame is copied into or out of guest buffers
 * (virtio_dev_copy_begin), so that the guest's register accesses do not
 * wait for the copy. The transmit path holds tx_lock (which also guards
 * txbuf and txchain) throughout, and never dev.lock while it hands a
 * frame to the switch: the switch then takes other devices' locks to
 * deliver. A delivery holds rx_lock throughout (chain, chain2, mrg_*,
 * the held frames' buffers); the held frames' records change only with
 * both rx_lock and dev.lock held, so either lock reads them.
 *
 * Receive: a frame for a guest whose ring has too few buffers for it is
 * held (copied aside, up to VNET_RX_HELD frames, later ones queued
 * behind it) rather than dropped, and the guest's receive notifications
 * go on until it posted room for them: a guest that refills its ring a
 * moment late loses nothing, as with a NIC's receive FIFO. A frame larger
 * than the whole ring can take is dropped; a reset drops what is held.
 * Order: tx_lock, switch, an rx_lock, a dev.lock; and tx_lock, dev.lock,
 * the NIC's lock (a loan).
 */
#pragma once

#include <drivers/net_offload.h>
#include <drivers/netdev.h>
#include <drivers/virtio_dev.h>
#include <drivers/vswitch.h>
#include <hv/work.h>

#define VNET_HDR_SIZE 12
#define VNET_QUEUE_MAX 256 /* entries per queue, at most */
#define VNET_RX_HELD 16    /* frames held for a guest out of buffers */

struct virtio_net_stats {
    uint64_t tx_frames, tx_dropped, tx_spoofed, tx_bad_hdr, tx_gso;
    uint64_t rx_frames, rx_dropped, rx_gso;
    uint64_t rx_held; /* frames that waited for buffers */
};

/* A frame waiting for the guest's receive buffers. */
struct vnet_held_frame {
    uint32_t len;
    uint32_t gen; /* the device's reset count when it was held */
    struct net_meta m;
};

struct virtio_net_backend {
    struct virtio_dev dev; /* first: the transport hands back &dev */
    uint8_t mac[ETH_ALEN];
    struct vswitch *sw;
    struct vswitch_port port;
    struct spinlock tx_lock;
    struct spinlock rx_lock;
    struct work tx_work; /* vnet_transmit on the NIC's CPU */
    /* Under tx_lock: the frame being sent, its request, and the NIC that
     * lent the buffer it is in (NULL: it is in txbuf). */
    uint8_t *txframe;
    struct net_meta txmeta;
    struct netdev *txlender;
    uint8_t txbuf[NET_MAX_GSO_FRAME];
    struct virtq_chain chain;  /* under rx_lock */
    struct virtq_chain chain2; /* under rx_lock: a frame's next buffers */
    /* Under rx_lock: the buffers a frame fills with MRG_RXBUF. */
    uint16_t mrg_head[VNET_QUEUE_MAX];
    uint32_t mrg_len[VNET_QUEUE_MAX];
    struct virtq_chain txchain;    /* under tx_lock */
    struct virtio_net_stats stats; /* rx_*: rx_lock; tx_*: tx_lock */
    /* Held frames, oldest first from held_first (see the top). */
    struct vnet_held_frame held[VNET_RX_HELD];
    unsigned int held_first, nr_held;
    uint32_t rx_gen; /* resets so far: dev.lock */
    uint8_t held_buf[VNET_RX_HELD][NET_MAX_GSO_FRAME];
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
