/* SPDX-License-Identifier: MIT */
/*
 * Software fallbacks for checksum and TCP segmentation offloads; see
 * drivers/net_offload.h for the contract.
 *
 * Design: frames come from guests, so every header field is read only after
 * checking that it lies inside [frame, frame + len), all offset arithmetic
 * is done in uint32_t on values of at most 16 bits (no overflow), and
 * multi-byte fields are read and written byte by byte in network order (no
 * unaligned accesses, which the hypervisor build forbids).
 *
 * Checksums: the Internet checksum (RFC 1071) is a ones' complement sum of
 * 16-bit big-endian words. Since 2^16 == 1 modulo 0xffff, adding 32-bit
 * big-endian words into a 64-bit accumulator and folding at the end gives
 * the same result with half the additions; 64 KiB of data cannot overflow
 * the accumulator. A range is summed as if it started at an even offset, so
 * only the last range of one checksum may have an odd length.
 */
#include <drivers/net_offload.h>
#include <hv/errno.h>
#include <string.h>

#define NET_ETH_HLEN 14
#define NET_ETH_P_IPV4 0x0800
#define NET_ETH_P_IPV6 0x86dd
#define NET_IPV4_MIN_HLEN 20
#define NET_IPV6_HLEN 40
#define NET_IPPROTO_TCP 6
#define NET_TCP_MIN_HLEN 20
#define NET_TCP_CSUM_OFF 16 /* checksum field in the TCP header */

/* IPv4 header fields, offsets from its start. */
#define NET_IPV4_TOT_LEN 2
#define NET_IPV4_ID 4
#define NET_IPV4_FRAG 6 /* flags (3 bits) + fragment offset (13) */
#define NET_IPV4_PROTO 9
#define NET_IPV4_CSUM 10
#define NET_IPV4_ADDRS 12         /* source then destination, 4 bytes each */
#define NET_IPV4_MF_OFFSET 0x3fff /* More Fragments + fragment offset */

/* IPv6 header fields. */
#define NET_IPV6_PLEN 4
#define NET_IPV6_NEXT 6
#define NET_IPV6_ADDRS 8 /* source then destination, 16 bytes each */

/* TCP header fields and flags. */
#define NET_TCP_SEQ 4
#define NET_TCP_DOFF 12 /* data offset in the high nibble */
#define NET_TCP_FLAGS 13
#define NET_TCP_FIN 0x01
#define NET_TCP_PSH 0x08
#define NET_TCP_CWR 0x80

/* Where the headers of a GSO frame end, from net_offload_parse. */
struct net_offload_hdrs {
    bool ipv6;
    uint32_t l4;   /* TCP header offset (= Ethernet + IP header length) */
    uint32_t hlen; /* all headers: l4 + TCP header length */
};

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)((unsigned int)p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Adds the n bytes at p to the unfolded ones' complement sum. The loop
 * takes two 32-bit words per round; a trailing odd byte counts as the high
 * half of a word padded with zero. */
static uint64_t net_csum_add(uint64_t sum, const uint8_t *p, uint32_t n)
{
    uint32_t i = 0;

    for (; i + 8 <= n; i += 8) {
        sum += rd32(p + i);
        sum += rd32(p + i + 4);
    }
    if (i + 4 <= n) {
        sum += rd32(p + i);
        i += 4;
    }
    if (i + 2 <= n) {
        sum += rd16(p + i);
        i += 2;
    }
    if (i < n) {
        sum += (uint32_t)p[i] << 8;
    }
    return sum;
}

/* Folds the sum to 16 bits with end-around carries (not complemented). */
static uint16_t net_csum_fold(uint64_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t)sum;
}

/*
 * Checks the headers of a GSO frame (gso_type TCPV4 or TCPV6) and finds
 * where they end: 0, or -HV_EINVAL. Reads nothing at or past len.
 */
static int net_offload_parse(const struct net_meta *m, const uint8_t *frame,
                             uint32_t len, struct net_offload_hdrs *h)
{
    const uint8_t *ip = frame + NET_ETH_HLEN;
    uint32_t iphl, thl;

    /* The EtherType is the only one looked at: a VLAN tag (0x8100) or
     * anything but the IP version the GSO type names is refused. */
    h->ipv6 = m->gso_type == NET_GSO_TCPV6;
    if (rd16(frame + 12) != (h->ipv6 ? NET_ETH_P_IPV6 : NET_ETH_P_IPV4)) {
        return -HV_EINVAL;
    }
    if (h->ipv6) {
        if (len < NET_ETH_HLEN + NET_IPV6_HLEN || ip[0] >> 4 != 6 ||
            ip[NET_IPV6_NEXT] != NET_IPPROTO_TCP ||
            rd16(ip + NET_IPV6_PLEN) != len - NET_ETH_HLEN - NET_IPV6_HLEN) {
            return -HV_EINVAL;
        }
        iphl = NET_IPV6_HLEN;
    } else {
        if (len < NET_ETH_HLEN + NET_IPV4_MIN_HLEN || ip[0] >> 4 != 4) {
            return -HV_EINVAL;
        }
        iphl = (uint32_t)(ip[0] & 0xf) * 4;
        /* A fragment (MF set or a non-zero offset) carries part of a
         * datagram, not a TCP header to replicate. */
        if (iphl < NET_IPV4_MIN_HLEN || iphl > len - NET_ETH_HLEN ||
            rd16(ip + NET_IPV4_TOT_LEN) != len - NET_ETH_HLEN ||
            ip[NET_IPV4_PROTO] != NET_IPPROTO_TCP ||
            (rd16(ip + NET_IPV4_FRAG) & NET_IPV4_MF_OFFSET) != 0) {
            return -HV_EINVAL;
        }
    }
    h->l4 = NET_ETH_HLEN + iphl;
    if (len - h->l4 < NET_TCP_MIN_HLEN) {
        return -HV_EINVAL;
    }
    thl = (uint32_t)(frame[h->l4 + NET_TCP_DOFF] >> 4) * 4;
    if (thl < NET_TCP_MIN_HLEN || thl > len - h->l4) {
        return -HV_EINVAL;
    }
    h->hlen = h->l4 + thl;
    return 0;
}

/* The GSO half of net_meta_check, once the generic checks passed. */
static int net_offload_check_gso(const struct net_meta *m, const uint8_t *frame,
                                 uint32_t len, struct net_offload_hdrs *h)
{
    if (!(m->flags & NET_META_NEEDS_CSUM) || m->gso_size == 0 ||
        len > NET_MAX_GSO_FRAME) {
        return -HV_EINVAL;
    }
    if (net_offload_parse(m, frame, len, h) != 0) {
        return -HV_EINVAL;
    }
    /* The checksum described must be the TCP one, as a receiver taking
     * the frame with its offload would compute it. */
    if (m->csum_start != h->l4 || m->csum_offset != NET_TCP_CSUM_OFF) {
        return -HV_EINVAL;
    }
    if (h->hlen + m->gso_size > NET_MAX_FRAME) {
        return -HV_EINVAL;
    }
    /* A tiny gso_size would make one frame thousands of segments, each
     * delivered to every port that cannot take the frame whole. */
    if (len - h->hlen > (uint32_t)m->gso_size * NET_GSO_MAX_SEGS) {
        return -HV_EINVAL;
    }
    return 0;
}

/* net_meta_check, also handing back the parsed headers of a GSO frame. */
static int net_offload_check(const struct net_meta *m, const uint8_t *frame,
                             uint32_t len, struct net_offload_hdrs *h)
{
    /* The caller promises 14 bytes; a mistake there must not read past
     * the frame, so it is checked again. */
    if (len < NET_ETH_HLEN ||
        (m->flags & ~(NET_META_NEEDS_CSUM | NET_META_DATA_VALID)) != 0) {
        return -HV_EINVAL;
    }
    if (m->gso_type != NET_GSO_NONE && m->gso_type != NET_GSO_TCPV4 &&
        m->gso_type != NET_GSO_TCPV6) {
        return -HV_EINVAL;
    }
    /* Sums in uint32_t: csum_start + csum_offset + 2 cannot wrap. */
    if ((m->flags & NET_META_NEEDS_CSUM) &&
        (m->csum_start < NET_ETH_HLEN ||
         (uint32_t)m->csum_start + m->csum_offset + 2 > len)) {
        return -HV_EINVAL;
    }
    if (m->gso_type == NET_GSO_NONE) {
        return len > NET_MAX_FRAME ? -HV_EINVAL : 0;
    }
    return net_offload_check_gso(m, frame, len, h);
}

int net_meta_check(const struct net_meta *m, const uint8_t *frame, uint32_t len)
{
    struct net_offload_hdrs h;

    return net_offload_check(m, frame, len, &h);
}

void net_csum_complete(uint8_t *frame, uint32_t len, const struct net_meta *m)
{
    uint16_t csum;

    if (!(m->flags & NET_META_NEEDS_CSUM)) {
        return;
    }
    csum = (uint16_t)~net_csum_fold(
        net_csum_add(0, frame + m->csum_start, len - m->csum_start));
    /* 0 and 0xffff are the same number in ones' complement; UDP reads a
     * zero field as "no checksum", so a zero result is stored as 0xffff
     * (RFC 768), which TCP accepts as well. */
    if (csum == 0) {
        csum = 0xffff;
    }
    wr16(frame + m->csum_start + m->csum_offset, csum);
}

/*
 * Fixes the headers of segment i of nseg in seg (seglen bytes, headers as
 * in the GSO frame, payload copied after them): IP lengths and id, TCP
 * sequence number, flags and checksum, and the IPv4 header checksum.
 * pseudo is the unfolded sum of the pseudo header's addresses and protocol.
 */
static void net_gso_fix(uint8_t *seg, uint32_t seglen,
                        const struct net_offload_hdrs *h, uint32_t i,
                        uint32_t nseg, uint32_t seq, uint16_t id,
                        uint64_t pseudo)
{
    uint8_t *ip = seg + NET_ETH_HLEN;
    uint8_t *tcp = seg + h->l4;
    uint32_t tcplen = seglen - h->l4;
    uint64_t sum;

    if (h->ipv6) {
        wr16(ip + NET_IPV6_PLEN,
             (uint16_t)(seglen - NET_ETH_HLEN - NET_IPV6_HLEN));
    } else {
        wr16(ip + NET_IPV4_TOT_LEN, (uint16_t)(seglen - NET_ETH_HLEN));
        wr16(ip + NET_IPV4_ID, (uint16_t)(id + i));
        wr16(ip + NET_IPV4_CSUM, 0);
        wr16(ip + NET_IPV4_CSUM, (uint16_t)~net_csum_fold(net_csum_add(
                                     0, ip, h->l4 - NET_ETH_HLEN)));
    }
    wr32(tcp + NET_TCP_SEQ, seq);
    if (i + 1 < nseg) {
        tcp[NET_TCP_FLAGS] &= (uint8_t) ~(NET_TCP_FIN | NET_TCP_PSH);
    }
    if (i > 0) {
        tcp[NET_TCP_FLAGS] &= (uint8_t)~NET_TCP_CWR;
    }
    wr16(tcp + NET_TCP_CSUM_OFF, 0);
    /* The pseudo header's length is 16 bits for IPv4 and 32 for IPv6
     * (RFC 8200 8.1); a segment's fits in 16, so both add the same. */
    sum = net_csum_add(pseudo + tcplen, tcp, tcplen);
    wr16(tcp + NET_TCP_CSUM_OFF, (uint16_t)~net_csum_fold(sum));
}

int net_gso_segment(const uint8_t *frame, uint32_t len,
                    const struct net_meta *m, uint8_t *scratch, net_seg_fn emit,
                    void *ctx)
{
    struct net_offload_hdrs h;
    uint32_t payload, nseg, off, i, seq;
    uint16_t id = 0;
    uint64_t pseudo;

    if (net_offload_check(m, frame, len, &h) != 0 ||
        m->gso_type == NET_GSO_NONE) {
        return -HV_EINVAL;
    }
    payload = len - h.hlen;
    nseg = payload == 0 ? 1 : (payload + m->gso_size - 1) / m->gso_size;
    seq = rd32(frame + h.l4 + NET_TCP_SEQ);
    if (h.ipv6) {
        pseudo = net_csum_add(NET_IPPROTO_TCP,
                              frame + NET_ETH_HLEN + NET_IPV6_ADDRS, 32);
    } else {
        pseudo = net_csum_add(NET_IPPROTO_TCP,
                              frame + NET_ETH_HLEN + NET_IPV4_ADDRS, 8);
        id = rd16(frame + NET_ETH_HLEN + NET_IPV4_ID);
    }
    /* The headers are copied afresh for each segment: net_gso_fix changed
     * the previous copy (flags cleared, lengths, checksums). */
    for (i = 0, off = 0; i < nseg; i++, off += m->gso_size) {
        uint32_t chunk = MIN(payload - off, (uint32_t)m->gso_size);

        memcpy(scratch, frame, h.hlen);
        memcpy(scratch + h.hlen, frame + h.hlen + off, chunk);
        net_gso_fix(scratch, h.hlen + chunk, &h, i, nseg, seq + off, id,
                    pseudo);
        emit(ctx, scratch, h.hlen + chunk);
    }
    return (int)nseg;
}
