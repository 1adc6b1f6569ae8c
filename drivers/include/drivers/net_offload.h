/* SPDX-License-Identifier: MIT */
/*
 * Checksum and segmentation offloads as they travel with a frame through
 * Shoji's network path (guest virtio-net -> switch -> guest or NIC), and
 * the software fallbacks for a receiver that cannot take them.
 *
 * struct net_meta carries virtio_net_hdr's offload fields (virtio 1.2,
 * 5.1.6) in host byte order, with the same flag and GSO type values, so
 * a virtio header converts field by field. A frame with meta
 * {0} is a plain Ethernet frame with every checksum already valid.
 *  - NET_META_NEEDS_CSUM: the 16-bit ones' complement sum of the bytes
 *    [csum_start, end of frame) must still be folded into the 16-bit field
 *    at csum_start + csum_offset (which holds the pseudo-header sum);
 *  - NET_META_DATA_VALID: the receiver may skip checksum validation;
 *  - gso_type TCPV4/TCPV6: the frame is one TCP segment of up to 64 KiB
 *    that must go on the wire as segments of gso_size payload bytes each;
 *    hdr_len is a hint (the sender's idea of the header length) and is
 *    not trusted.
 *
 * Supported for GSO: Ethernet II (no VLAN tag) + IPv4 (options allowed)
 * or IPv6 (no extension headers) + TCP. Anything else with a GSO type is
 * refused by net_meta_check, so a receiver never sees it.
 *
 * Nothing here keeps state or takes locks; the caller owns every buffer.
 * The file builds unchanged into the hypervisor and the host tests.
 */
#pragma once

#include <hv/types.h>

#define NET_META_NEEDS_CSUM 1
#define NET_META_DATA_VALID 2

#define NET_GSO_NONE 0
#define NET_GSO_TCPV4 1
#define NET_GSO_TCPV6 4
#define NET_GSO_ECN 0x80 /* never accepted: Shoji offers no ECN offload */

/* What a receiver can take (a netdev's or a switch port's `offloads`). */
#define NET_OFF_CSUM (1u << 0) /* NEEDS_CSUM frames */
#define NET_OFF_TSO4 (1u << 1) /* GSO TCPV4 frames */
#define NET_OFF_TSO6 (1u << 2) /* GSO TCPV6 frames */

/* Largest plain frame (1500-byte MTU, no VLAN tag) and largest GSO
 * frame (Ethernet header + the largest IP datagram). */
#define NET_MAX_FRAME 1514
#define NET_MAX_GSO_FRAME (14 + 65535)
/* Segments one GSO frame may make, at most: 64 KiB of payload with an MSS
 * of 256 or more. Linux's own floor is far lower, but a frame that cuts
 * into thousands of segments is an attack on the software fallback, not
 * traffic. */
#define NET_GSO_MAX_SEGS 256

struct net_meta {
    uint8_t flags;    /* NET_META_* */
    uint8_t gso_type; /* NET_GSO_* */
    uint16_t hdr_len;
    uint16_t gso_size;
    uint16_t csum_start;
    uint16_t csum_offset;
};

/**
 * Checks meta m against the frame it describes (len bytes), from an
 * untrusted sender (a guest, or a NIC's header): 0, or -HV_EINVAL when
 * - flags has bits other than NEEDS_CSUM and DATA_VALID;
 * - NEEDS_CSUM is set and the 2-byte field at csum_start + csum_offset
 *   does not lie inside the frame, or csum_start is inside the Ethernet
 *   header;
 * - gso_type is not NONE, TCPV4 or TCPV6 (ECN included);
 * - gso_type is TCPV4/TCPV6 and NEEDS_CSUM is clear, gso_size is 0,
 *   len > NET_MAX_GSO_FRAME, the frame is not Ethernet/IPv4-or-IPv6/TCP
 *   as above (EtherType 0x0800 with TCPV4, 0x86dd with TCPV6; IPv4:
 *   version 4, IHL >= 5, protocol 6, not a fragment (MF or offset set);
 *   IPv6: version 6, next header 6; TCP data offset >= 5), the headers do
 *   not fit in len, the IP length fields disagree with len (IPv4 total
 *   length or IPv6 payload length, exactly), csum_start is not the start
 *   of the TCP header or csum_offset is not 16 (the TCP checksum field),
 *   a segment (headers + gso_size) would exceed NET_MAX_FRAME, or the
 *   frame would make more than NET_GSO_MAX_SEGS segments;
 * - gso_type is NONE and len > NET_MAX_FRAME.
 * The caller checks that len is at least 14 (the Ethernet header); a
 * shorter frame is refused all the same. Reads nothing outside the frame.
 */
int net_meta_check(const struct net_meta *m, const uint8_t *frame,
                   uint32_t len);

/**
 * Completes a NEEDS_CSUM frame in place: sums [csum_start, len) with the
 * field's current contents and stores the folded, complemented result in
 * the field, big-endian; a result of 0 is stored as 0xffff (the same value
 * in ones' complement, and what UDP needs since 0 there means "no
 * checksum"). Does nothing when NEEDS_CSUM is clear. m must have passed
 * net_meta_check.
 */
void net_csum_complete(uint8_t *frame, uint32_t len, const struct net_meta *m);

/* Receives each segment net_gso_segment makes; seg is valid only during
 * the call. */
typedef void (*net_seg_fn)(void *ctx, const uint8_t *seg, uint32_t len);

/**
 * Splits a GSO frame (m checked by net_meta_check) into plain frames with
 * every checksum valid (IPv4 header, TCP), built one at a time in scratch
 * (at least NET_MAX_FRAME bytes) and passed to emit: the payload in order
 * in chunks of gso_size bytes (the last may be shorter); IPv4 total length
 * and header checksum, IPv4 identification (+1 per segment), IPv6 payload
 * length and TCP sequence number per segment; FIN and PSH only on the last
 * segment, CWR only on the first. The Ethernet header and every other
 * header byte are copied unchanged; the incoming checksum fields are not
 * used. Returns the number of segments emitted (a frame with no payload
 * gives one segment), or -HV_EINVAL when m or the frame fail
 * net_meta_check or gso_type is NONE (nothing emitted).
 */
int net_gso_segment(const uint8_t *frame, uint32_t len,
                    const struct net_meta *m, uint8_t *scratch, net_seg_fn emit,
                    void *ctx);

/* The NET_OFF_* a receiver must have to take request m as it is (an
 * unknown GSO type needs more than any receiver has). */
static inline uint32_t net_meta_needs(const struct net_meta *m)
{
    uint32_t need = (m->flags & NET_META_NEEDS_CSUM) != 0 ? NET_OFF_CSUM : 0;

    if (m->gso_type == NET_GSO_TCPV4) {
        need |= NET_OFF_TSO4;
    } else if (m->gso_type == NET_GSO_TCPV6) {
        need |= NET_OFF_TSO6;
    } else if (m->gso_type != NET_GSO_NONE) {
        need |= ~0u;
    }
    return need;
}
