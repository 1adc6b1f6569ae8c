/* SPDX-License-Identifier: MIT */
/*
 * struct virtio_net_hdr (virtio 1.2, 5.1.6; VERSION_1 layout, 12 bytes,
 * little-endian) to and from the offload request Shoji's network path
 * carries (drivers/net_offload.h), shared by the guest-facing virtio-net
 * and the driver of the host's virtio-net. The flag and GSO type values
 * are the same on both sides; nothing is checked here (net_meta_check
 * does that).
 */
#pragma once

#include <drivers/net_offload.h>
#include <drivers/virtio_mmio.h>
#include <hv/types.h>

/* Byte offsets of the header's fields. */
#define VNET_HDR_FLAGS 0
#define VNET_HDR_GSO_TYPE 1
#define VNET_HDR_HDR_LEN 2
#define VNET_HDR_GSO_SIZE 4
#define VNET_HDR_CSUM_START 6
#define VNET_HDR_CSUM_OFFSET 8
#define VNET_HDR_NUM_BUFFERS 10

static inline uint16_t vnet_hdr_rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline void vnet_hdr_wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void vnet_hdr_to_meta(const uint8_t *hdr, struct net_meta *m)
{
    m->flags = hdr[VNET_HDR_FLAGS];
    m->gso_type = hdr[VNET_HDR_GSO_TYPE];
    m->hdr_len = vnet_hdr_rd16(hdr + VNET_HDR_HDR_LEN);
    m->gso_size = vnet_hdr_rd16(hdr + VNET_HDR_GSO_SIZE);
    m->csum_start = vnet_hdr_rd16(hdr + VNET_HDR_CSUM_START);
    m->csum_offset = vnet_hdr_rd16(hdr + VNET_HDR_CSUM_OFFSET);
}

static inline void vnet_hdr_from_meta(uint8_t *hdr, const struct net_meta *m,
                                      uint16_t num_buffers)
{
    hdr[VNET_HDR_FLAGS] = m->flags;
    hdr[VNET_HDR_GSO_TYPE] = m->gso_type;
    vnet_hdr_wr16(hdr + VNET_HDR_HDR_LEN, m->hdr_len);
    vnet_hdr_wr16(hdr + VNET_HDR_GSO_SIZE, m->gso_size);
    vnet_hdr_wr16(hdr + VNET_HDR_CSUM_START, m->csum_start);
    vnet_hdr_wr16(hdr + VNET_HDR_CSUM_OFFSET, m->csum_offset);
    vnet_hdr_wr16(hdr + VNET_HDR_NUM_BUFFERS, num_buffers);
}

/* The NET_OFF_* that negotiated features f give in one direction, given
 * that direction's checksum and TSO feature bits; TSO needs the checksum
 * feature (virtio 1.2, 5.1.3.1), so without it there is none. */
static inline uint32_t vnet_offloads_of(uint64_t f, unsigned int csum,
                                        unsigned int tso4, unsigned int tso6)
{
    uint32_t off = 0;

    if ((f >> csum & 1) != 0) {
        off |= NET_OFF_CSUM;
        off |= (f >> tso4 & 1) != 0 ? NET_OFF_TSO4 : 0;
        off |= (f >> tso6 & 1) != 0 ? NET_OFF_TSO6 : 0;
    }
    return off;
}
