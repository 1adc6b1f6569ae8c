/* SPDX-License-Identifier: MIT */
/*
 * vqhostile's virtio-net part: a driver for its virtio-net device (slot
 * 1, 0x0a000200, SPI 17) that negotiates VERSION_1, MAC, CSUM, HOST_TSO4
 * and HOST_TSO6 (it takes no offloaded frames), posts NQ_NUM receive
 * buffers (taken back and posted again each round) and transmits, round
 * after round, frames whose virtio_net_hdr (virtio 1.2, 5.1.6) or headers
 * are hostile, from its own MAC to both Linux guests' MACs and to
 * broadcast: gso_size 0; a checksum field outside the frame or a checksum
 * starting in the Ethernet header; GSO types UDP (3), 5 and TCPV4 | ECN;
 * TCPV6 on an IPv4 frame; an IPv4 total length above and below the
 * frame's, IHL 4, a TCP data offset past the end, a fragment and a VLAN
 * tag, each on a GSO frame; a 64 KiB GSO frame with gso_size 1 (a
 * segmentation bomb: more than NET_GSO_MAX_SEGS segments); runts,
 * oversized plain frames and a spoofed source MAC. Shoji must drop each of
 * these without DEVICE_NEEDS_RESET and hand the buffer back. These it
 * passes to the switch: a legal frame whose header and frame are split
 * over six descriptors, and once
 * a round a well-formed 8 KiB GSO TCPv4 frame to a MAC nobody has (so
 * that the switch floods it to every port); the guest sees only that
 * they come back used without a reset. Last in each round, a
 * transmit chain with a device-writable descriptor must set
 * DEVICE_NEEDS_RESET with a configuration interrupt; the device is then
 * reset and set up again. Each kind is reported once, at the end, failed
 * if any round went wrong (the first failure of a kind is printed).
 *
 * The IPv4/TCP frames go from 10.0.2.23 to 10.0.2.99 (no guest has
 * either address), so the Linux guests drop what reaches them at IP
 * level and never answer. Runs with the MMU off: every access is aligned
 * (frame bytes are written one at a time).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../drivers/include/drivers/virtio_mmio.h"
#include "mmio.h"
#include "net.h"
#include "test.h"
#include "timer.h"

#define NQ_DEV (0x0a000000UL + VIRTIO_MMIO_REGION_SIZE) /* slot 1 */
#define NQ_NUM 8
#define NQ_RX_SIZE 2048 /* a header and the largest plain frame */
#define NQ_HDR VIRTIO_NET_HDR_SIZE
#define NQ_FRAME_MAX (14 + 65535) /* Ethernet + the largest IP datagram */
/* How long the device may take to hand a buffer back (virtual time). */
#define NQ_WAIT_US 2000000U
#define NQ_F_NEXT 1
#define NQ_F_WRITE 2
#define NQ_FEATURES_LO                                                         \
    (1U << VIRTIO_NET_F_CSUM | 1U << VIRTIO_NET_F_MAC |                        \
     1U << VIRTIO_NET_F_HOST_TSO4 | 1U << VIRTIO_NET_F_HOST_TSO6)
#define NQ_FEATURES_HI (1U << (VIRTIO_F_VERSION_1 - 32))

/* virtio_net_hdr flags and GSO types. */
#define NQ_NEEDS_CSUM 1
#define NQ_GSO_NONE 0
#define NQ_GSO_TCPV4 1
#define NQ_GSO_UDP 3
#define NQ_GSO_TCPV6 4
#define NQ_GSO_ECN 0x80

/* The frames built here: Ethernet (a VLAN tag adds 4), IPv4, TCP. */
#define NQ_ETH_HLEN 14
#define NQ_VLAN_HLEN 4
#define NQ_IP_HLEN 20
#define NQ_TCP_HLEN 20
#define NQ_L4 (NQ_ETH_HLEN + NQ_IP_HLEN)
#define NQ_TCP_CSUM 16 /* the checksum field in the TCP header */
#define NQ_MSS 1448

struct nq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct nq_ring {
    _Alignas(4096) struct nq_desc desc[NQ_NUM];
    _Alignas(4096) volatile uint16_t avail[2 + NQ_NUM + 1];
    _Alignas(4096) volatile uint32_t used[1 + 2 * NQ_NUM + 1];
};

/* Queue state, cleared at each setup. */
static struct {
    struct nq_ring rx;
    struct nq_ring tx;
    _Alignas(4096) uint8_t rxbuf[NQ_NUM][NQ_RX_SIZE];
    _Alignas(64) uint8_t wbuf[64]; /* the device-writable descriptor's */
    uint16_t rx_avail;             /* receive queue's avail->idx */
    uint16_t rx_used;              /* receive used entries taken back */
    uint16_t tx_avail;             /* transmit queue's avail->idx */
} nq;

/* The packet being sent: its virtio_net_hdr, then the frame. The payload
 * bytes are set once by net_start; builders write only headers. */
static _Alignas(4096) uint8_t pkt[NQ_HDR + NQ_FRAME_MAX];
static uint8_t *const frame = pkt + NQ_HDR;

static const uint8_t mac_linux[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x16};
static const uint8_t mac_server[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x15};
static const uint8_t mac_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t mac_nobody[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x99};
static const uint8_t ip_src[4] = {10, 0, 2, 23};
static const uint8_t ip_dst[4] = {10, 0, 2, 99};
static uint8_t mac_own[6];

static bool nq_found;
static unsigned int nq_rounds;
static unsigned long nq_sent;     /* chains submitted */
static unsigned long nq_received; /* frames that came in */
static uint16_t nq_ip_id;
static uint32_t nq_seq;

static uint32_t nq_read(uint32_t off)
{
    return mmio_read32(NQ_DEV, off);
}

static void nq_write(uint32_t off, uint32_t val)
{
    mmio_write32(NQ_DEV, off, val);
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v);
}

static void put16le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* Adds the n bytes at p (n even) to a ones' complement sum. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, uint32_t n)
{
    for (uint32_t i = 0; i + 1 < n; i += 2) {
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    }
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t)sum;
}

static void nq_queue(uint32_t q, struct nq_ring *r)
{
    nq_write(VIRTIO_MMIO_QUEUE_SEL, q);
    nq_write(VIRTIO_MMIO_QUEUE_NUM, NQ_NUM);
    nq_write(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)ipa_of(r->desc));
    nq_write(VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(ipa_of(r->desc) >> 32));
    nq_write(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)ipa_of(r->avail));
    nq_write(VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(ipa_of(r->avail) >> 32));
    nq_write(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)ipa_of(r->used));
    nq_write(VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(ipa_of(r->used) >> 32));
    nq_write(VIRTIO_MMIO_QUEUE_READY, 1);
}

static bool nq_live(void)
{
    uint32_t st = nq_read(VIRTIO_MMIO_STATUS);

    return (st & VIRTIO_STATUS_DRIVER_OK) != 0 &&
           (st & VIRTIO_STATUS_DEVICE_NEEDS_RESET) == 0;
}

/* Resets the device and sets it up: features, both queues, every receive
 * buffer posted. True when it runs. */
static bool nq_setup(void)
{
    const uint32_t feat = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                          VIRTIO_STATUS_FEATURES_OK;
    uint32_t lo, hi;

    nq_write(VIRTIO_MMIO_STATUS, 0);
    memset(&nq, 0, sizeof(nq));
    nq_write(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
    nq_write(VIRTIO_MMIO_STATUS,
             VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    nq_write(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    lo = nq_read(VIRTIO_MMIO_DEVICE_FEATURES);
    nq_write(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    hi = nq_read(VIRTIO_MMIO_DEVICE_FEATURES);
    if ((lo & NQ_FEATURES_LO) != NQ_FEATURES_LO ||
        (hi & NQ_FEATURES_HI) != NQ_FEATURES_HI) {
        return false;
    }
    nq_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    nq_write(VIRTIO_MMIO_DRIVER_FEATURES, NQ_FEATURES_HI);
    nq_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    nq_write(VIRTIO_MMIO_DRIVER_FEATURES, NQ_FEATURES_LO);
    nq_write(VIRTIO_MMIO_STATUS, feat);
    if ((nq_read(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK) == 0) {
        return false;
    }
    for (uint32_t q = VIRTIO_NET_Q_RX; q <= VIRTIO_NET_Q_TX; q++) {
        nq_write(VIRTIO_MMIO_QUEUE_SEL, q);
        if (nq_read(VIRTIO_MMIO_QUEUE_NUM_MAX) < NQ_NUM) {
            return false;
        }
    }
    for (unsigned int i = 0; i < NQ_NUM; i++) {
        nq.rx.desc[i].addr = ipa_of(nq.rxbuf[i]);
        nq.rx.desc[i].len = NQ_RX_SIZE;
        nq.rx.desc[i].flags = NQ_F_WRITE;
        nq.rx.avail[2 + i] = (uint16_t)i;
    }
    nq.rx_avail = NQ_NUM;
    nq.rx.avail[1] = nq.rx_avail;
    nq_queue(VIRTIO_NET_Q_RX, &nq.rx);
    nq_queue(VIRTIO_NET_Q_TX, &nq.tx);
    nq_write(VIRTIO_MMIO_STATUS, feat | VIRTIO_STATUS_DRIVER_OK);
    nq_write(VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_Q_RX);
    return nq_live();
}

/* Takes back the receive buffers the device used and posts them again. */
static void nq_rx_refill(void)
{
    uint16_t used = (uint16_t)(nq.rx.used[0] >> 16);

    if (used == nq.rx_used) {
        return;
    }
    while (nq.rx_used != used) {
        uint32_t id = nq.rx.used[1 + 2 * (nq.rx_used % NQ_NUM)];

        nq.rx_used++;
        if (id < NQ_NUM) {
            nq.rx.avail[2 + nq.rx_avail % NQ_NUM] = (uint16_t)id;
            nq.rx_avail++;
            nq_received++;
        }
    }
    __asm__ volatile("dsb sy" ::: "memory");
    nq.rx.avail[1] = nq.rx_avail;
    nq_write(VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_Q_RX);
}

static void desc_set(unsigned int i, const void *p, uint32_t len,
                     uint16_t flags, uint16_t next)
{
    nq.tx.desc[i].addr = ipa_of(p);
    nq.tx.desc[i].len = len;
    nq.tx.desc[i].flags = flags;
    nq.tx.desc[i].next = next;
}

/* Makes the chain at descriptor 0 available on the transmit queue and
 * notifies. */
static void tx_publish(void)
{
    nq.tx.avail[2 + nq.tx_avail % NQ_NUM] = 0;
    nq.tx_avail++;
    __asm__ volatile("dsb sy" ::: "memory");
    nq.tx.avail[1] = nq.tx_avail;
    nq_write(VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_Q_TX);
    nq_sent++;
}

/* Sends the chain at descriptor 0: true when it came back used within
 * NQ_WAIT_US and the device still runs. */
static bool tx_submit(void)
{
    uint64_t end;
    bool ok;

    tx_publish();
    end = timer_now() + timer_us_to_ticks(NQ_WAIT_US);
    while ((uint16_t)(nq.tx.used[0] >> 16) != nq.tx_avail) {
        if (timer_now() > end) {
            return false;
        }
    }
    ok = nq.tx.used[1 + 2 * ((uint16_t)(nq.tx_avail - 1) % NQ_NUM)] == 0;
    nq_write(VIRTIO_MMIO_INTERRUPT_ACK, nq_read(VIRTIO_MMIO_INTERRUPT_STATUS));
    return ok && nq_live();
}

/* Sends the header and flen frame bytes as two descriptors (one when the
 * frame is empty). */
static bool tx_send(uint32_t flen)
{
    desc_set(0, pkt, NQ_HDR, flen != 0 ? NQ_F_NEXT : 0, 1);
    desc_set(1, frame, flen, 0, 0);
    return tx_submit();
}

/* Sets the packet's virtio_net_hdr (little-endian). hdr_len, a hint, is
 * where a GSO frame's TCP header would end; num_buffers is 0. */
static void hdr_set(uint8_t flags, uint8_t gso_type, uint32_t gso_size,
                    uint32_t csum_start, uint32_t csum_offset)
{
    memset(pkt, 0, NQ_HDR);
    pkt[0] = flags;
    pkt[1] = gso_type;
    put16le(pkt + 2, gso_type != NQ_GSO_NONE ? csum_start + NQ_TCP_HLEN : 0);
    put16le(pkt + 4, gso_size);
    put16le(pkt + 6, csum_start);
    put16le(pkt + 8, csum_offset);
}

/* A TCPv4 GSO request for a frame whose TCP header is at l4. */
static void hdr_gso(uint8_t gso_type, uint32_t gso_size, uint32_t l4)
{
    hdr_set(NQ_NEEDS_CSUM, gso_type, gso_size, l4, NQ_TCP_CSUM);
}

/* A plain frame whose TCP checksum the device completes. */
static void hdr_csum(void)
{
    hdr_set(NQ_NEEDS_CSUM, NQ_GSO_NONE, 0, NQ_L4, NQ_TCP_CSUM);
}

/*
 * Builds the headers of an IPv4/TCP frame from src to dst with payload
 * bytes of data, behind an 802.1Q tag if vlan: a valid IPv4 header
 * checksum, DF set, and in the TCP checksum field the pseudo-header sum a
 * NEEDS_CSUM frame carries (for a GSO frame without the length, as Linux
 * does). Returns the frame's length.
 */
static uint32_t frame_tcp4(const uint8_t *dst, const uint8_t *src,
                           uint32_t payload, bool vlan, bool gso)
{
    uint32_t l3 = NQ_ETH_HLEN + (vlan ? NQ_VLAN_HLEN : 0);
    uint8_t *ip = frame + l3;
    uint8_t *tcp = ip + NQ_IP_HLEN;
    uint32_t tcplen = NQ_TCP_HLEN + payload;

    memcpy(frame, dst, 6);
    memcpy(frame + 6, src, 6);
    if (vlan) {
        put16(frame + 12, 0x8100);
        put16(frame + 14, 5); /* VLAN 5, priority 0 */
    }
    put16(ip - 2, 0x0800);
    memset(ip, 0, NQ_IP_HLEN + NQ_TCP_HLEN);
    ip[0] = 0x45;
    put16(ip + 2, NQ_IP_HLEN + tcplen);
    put16(ip + 4, nq_ip_id++);
    put16(ip + 6, 0x4000);
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, ip_src, 4);
    memcpy(ip + 16, ip_dst, 4);
    put16(ip + 10, (uint16_t)~csum_fold(csum_add(0, ip, NQ_IP_HLEN)));
    put16(tcp, 40000);
    put16(tcp + 2, 9); /* discard */
    put32(tcp + 4, nq_seq);
    nq_seq += payload;
    put32(tcp + 8, 1);
    tcp[12] = 5 << 4;
    tcp[13] = 0x18; /* PSH, ACK */
    put16(tcp + 14, 0xffff);
    put16(tcp + NQ_TCP_CSUM,
          csum_fold(csum_add(6 + (gso ? 0 : tcplen), ip + 12, 8)));
    return l3 + NQ_IP_HLEN + tcplen;
}

/* A GSO frame of 4000 payload bytes with a correct request. */
static uint32_t frame_gso(const uint8_t *dst)
{
    uint32_t len = frame_tcp4(dst, mac_own, 4000, false, true);

    hdr_gso(NQ_GSO_TCPV4, NQ_MSS, NQ_L4);
    return len;
}

/* --- the kinds: each returns true when every chain came back ------------ */

static bool kind_gso_size_0(const uint8_t *dst)
{
    uint32_t len = frame_tcp4(dst, mac_own, 4000, false, true);

    hdr_gso(NQ_GSO_TCPV4, 0, NQ_L4);
    return tx_send(len);
}

/* Refused: 65495 segments of 55 bytes for a receiver that cannot take it
 * whole, far above NET_GSO_MAX_SEGS (Shoji segmented it before that cap,
 * at about 40 ms of its time per frame). */
static bool kind_gso_bomb(const uint8_t *dst)
{
    uint32_t len = frame_tcp4(dst, mac_own, NQ_FRAME_MAX - NQ_L4 - NQ_TCP_HLEN,
                              false, true);

    hdr_gso(NQ_GSO_TCPV4, 1, NQ_L4);
    return tx_send(len);
}

static bool kind_csum_outside(const uint8_t *dst)
{
    uint32_t len = frame_tcp4(dst, mac_own, 100, false, false);
    bool ok;

    hdr_set(NQ_NEEDS_CSUM, NQ_GSO_NONE, 0, NQ_L4, 0x1000);
    ok = tx_send(len);
    hdr_set(NQ_NEEDS_CSUM, NQ_GSO_NONE, 0, len - 1, 0); /* straddles */
    ok = tx_send(len) && ok;
    hdr_set(NQ_NEEDS_CSUM, NQ_GSO_NONE, 0, 0xffff, 0xffff);
    return tx_send(len) && ok;
}

static bool kind_csum_in_eth(const uint8_t *dst)
{
    uint32_t len = frame_tcp4(dst, mac_own, 100, false, false);

    /* The field is the TCP checksum, but the sum would start at 4. */
    hdr_set(NQ_NEEDS_CSUM, NQ_GSO_NONE, 0, 4, NQ_L4 + NQ_TCP_CSUM - 4);
    return tx_send(len);
}

static bool kind_gso_udp(const uint8_t *dst)
{
    uint32_t len = frame_tcp4(dst, mac_own, 4000, false, true);

    hdr_gso(NQ_GSO_UDP, NQ_MSS, NQ_L4);
    return tx_send(len);
}

static bool kind_gso_5(const uint8_t *dst)
{
    uint32_t len = frame_tcp4(dst, mac_own, 4000, false, true);

    hdr_gso(5, NQ_MSS, NQ_L4);
    return tx_send(len);
}

static bool kind_gso_ecn(const uint8_t *dst)
{
    uint32_t len = frame_tcp4(dst, mac_own, 4000, false, true);

    hdr_gso(NQ_GSO_TCPV4 | NQ_GSO_ECN, NQ_MSS, NQ_L4);
    return tx_send(len);
}

static bool kind_tcpv6_on_ipv4(const uint8_t *dst)
{
    uint32_t len = frame_tcp4(dst, mac_own, 4000, false, true);

    hdr_gso(NQ_GSO_TCPV6, NQ_MSS, NQ_L4);
    return tx_send(len);
}

static bool kind_ipv4_len_over(const uint8_t *dst)
{
    uint32_t len = frame_gso(dst);

    put16(frame + NQ_ETH_HLEN + 2, len - NQ_ETH_HLEN + 100);
    return tx_send(len);
}

static bool kind_ipv4_len_under(const uint8_t *dst)
{
    uint32_t len = frame_gso(dst);

    put16(frame + NQ_ETH_HLEN + 2, len - NQ_ETH_HLEN - 100);
    return tx_send(len);
}

static bool kind_ipv4_ihl_4(const uint8_t *dst)
{
    uint32_t len = frame_gso(dst);

    frame[NQ_ETH_HLEN] = 0x44;
    return tx_send(len);
}

static bool kind_tcp_doff_past_end(const uint8_t *dst)
{
    uint32_t len = frame_tcp4(dst, mac_own, 30, false, true);

    hdr_gso(NQ_GSO_TCPV4, NQ_MSS, NQ_L4);
    frame[NQ_L4 + 12] = 15 << 4; /* 60 bytes of TCP header, 50 there */
    return tx_send(len);
}

static bool kind_ipv4_fragment(const uint8_t *dst)
{
    uint32_t len = frame_gso(dst);
    bool ok;

    put16(frame + NQ_ETH_HLEN + 6, 0x2000); /* More Fragments */
    ok = tx_send(len);
    put16(frame + NQ_ETH_HLEN + 6, 0x00b9); /* offset 1480 */
    return tx_send(len) && ok;
}

static bool kind_vlan_gso(const uint8_t *dst)
{
    uint32_t len = frame_tcp4(dst, mac_own, 4000, true, true);

    hdr_gso(NQ_GSO_TCPV4, NQ_MSS, NQ_L4 + NQ_VLAN_HLEN);
    return tx_send(len);
}

static bool kind_runt(const uint8_t *dst)
{
    bool ok;

    frame_tcp4(dst, mac_own, 0, false, false);
    hdr_set(0, NQ_GSO_NONE, 0, 0, 0);
    ok = tx_send(13);
    ok = tx_send(0) && ok;     /* the header alone */
    desc_set(0, pkt, 6, 0, 0); /* half a header */
    return tx_submit() && ok;
}

/* Without GSO, one byte over the largest frame, then a jumbo frame. */
static bool kind_oversized(const uint8_t *dst)
{
    const uint32_t hlen = NQ_L4 + NQ_TCP_HLEN;
    uint32_t len = frame_tcp4(dst, mac_own, 1515 - hlen, false, false);
    bool ok;

    hdr_set(0, NQ_GSO_NONE, 0, 0, 0);
    ok = tx_send(len);
    len = frame_tcp4(dst, mac_own, 9014 - hlen, false, false);
    return tx_send(len) && ok;
}

/* Another guest's address as the source: the other Linux guest's for a
 * frame to one, the client's for broadcast. */
static bool kind_spoofed(const uint8_t *dst)
{
    const uint8_t *src = dst == mac_linux ? mac_server : mac_linux;
    uint32_t len = frame_tcp4(dst, src, 100, false, false);

    hdr_csum();
    return tx_send(len);
}

/* Legal: the header in four descriptors, the last with the frame's first
 * two bytes, then the rest of the destination MAC and the remainder. */
static bool kind_split_header(const uint8_t *dst)
{
    static const uint32_t cut[] = {0, 1, 3, 7, 14, 20};
    const unsigned int n = sizeof(cut) / sizeof(cut[0]);
    uint32_t len = frame_tcp4(dst, mac_own, 1000, false, false);

    hdr_csum();
    for (unsigned int i = 0; i < n; i++) {
        uint32_t end = i + 1 < n ? cut[i + 1] : NQ_HDR + len;

        uint16_t flags = i + 1 < n ? NQ_F_NEXT : 0;

        desc_set(i, pkt + cut[i], end - cut[i], flags, (uint16_t)(i + 1));
    }
    return tx_submit();
}

/* Legal, to a MAC no port has: flooded to every port as one GSO frame. */
static bool kind_gso_flood(const uint8_t *dst)
{
    uint32_t len = frame_tcp4(mac_nobody, mac_own, 8192, false, true);

    (void)dst;
    hdr_gso(NQ_GSO_TCPV4, NQ_MSS, NQ_L4);
    return tx_send(len);
}

/* A malformed ring: a transmit chain ending in a device-writable
 * descriptor must set DEVICE_NEEDS_RESET (with a configuration
 * interrupt); a reset clears it and the device is set up again. */
static bool kind_writable_desc(const uint8_t *dst)
{
    uint32_t len = frame_tcp4(dst, mac_own, 100, false, false);
    uint32_t st, irq;
    bool ok;

    hdr_set(0, NQ_GSO_NONE, 0, 0, 0);
    desc_set(0, pkt, NQ_HDR + len, NQ_F_NEXT, 1);
    desc_set(1, nq.wbuf, sizeof(nq.wbuf), NQ_F_WRITE, 0);
    tx_publish();
    st = nq_read(VIRTIO_MMIO_STATUS);
    irq = nq_read(VIRTIO_MMIO_INTERRUPT_STATUS);
    ok = (st & VIRTIO_STATUS_DEVICE_NEEDS_RESET) != 0 &&
         (irq & VIRTIO_MMIO_INT_CONFIG) != 0;
    nq_write(VIRTIO_MMIO_STATUS, 0);
    ok = ok && nq_read(VIRTIO_MMIO_STATUS) == 0 &&
         nq_read(VIRTIO_MMIO_INTERRUPT_STATUS) == 0;
    return nq_setup() && ok;
}

struct nq_kind {
    const char *name;
    bool (*send)(const uint8_t *dst);
    bool once; /* once a round, not to each destination */
};

/* In the order sent and reported; the malformed ring comes last. */
static const struct nq_kind kinds[] = {
    {"net-gso-size-0", kind_gso_size_0, false},
    {"net-gso-size-1-bomb", kind_gso_bomb, false},
    {"net-csum-outside-frame", kind_csum_outside, false},
    {"net-csum-in-eth-header", kind_csum_in_eth, false},
    {"net-gso-type-udp", kind_gso_udp, false},
    {"net-gso-type-5", kind_gso_5, false},
    {"net-gso-ecn", kind_gso_ecn, false},
    {"net-tcpv6-on-ipv4", kind_tcpv6_on_ipv4, false},
    {"net-ipv4-len-over", kind_ipv4_len_over, false},
    {"net-ipv4-len-under", kind_ipv4_len_under, false},
    {"net-ipv4-ihl-4", kind_ipv4_ihl_4, false},
    {"net-tcp-doff-past-end", kind_tcp_doff_past_end, false},
    {"net-ipv4-fragment-gso", kind_ipv4_fragment, false},
    {"net-vlan-gso", kind_vlan_gso, false},
    {"net-runt", kind_runt, false},
    {"net-oversized-plain", kind_oversized, false},
    {"net-spoofed-source", kind_spoofed, false},
    {"net-split-header", kind_split_header, false},
    {"net-gso-flood-unknown-mac", kind_gso_flood, true},
    {"net-writable-tx-descriptor", kind_writable_desc, true},
};

#define NQ_KINDS (sizeof(kinds) / sizeof(kinds[0]))

static bool kind_failed[NQ_KINDS];

bool net_start(void)
{
    if (nq_read(VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MMIO_MAGIC ||
        nq_read(VIRTIO_MMIO_VERSION) != 2 ||
        nq_read(VIRTIO_MMIO_DEVICE_ID) != VIRTIO_ID_NET) {
        printf("vqhostile: no virtio-net device at 0x%lx\n", NQ_DEV);
        return false;
    }
    for (uint32_t i = 0; i < sizeof(pkt); i++) {
        pkt[i] = (uint8_t)(i * 7 + 3);
    }
    if (!nq_setup()) {
        printf("vqhostile: virtio-net: cannot set it up (status 0x%x)\n",
               (unsigned int)nq_read(VIRTIO_MMIO_STATUS));
        return false;
    }
    for (uint32_t i = 0; i < 6; i++) {
        mac_own[i] = *(volatile uint8_t *)(NQ_DEV + VIRTIO_MMIO_CONFIG +
                                           VIRTIO_NET_CFG_MAC + i);
    }
    printf("vqhostile: virtio-net at 0x%lx, %02x:%02x:%02x:%02x:%02x:%02x\n",
           NQ_DEV, mac_own[0], mac_own[1], mac_own[2], mac_own[3], mac_own[4],
           mac_own[5]);
    nq_found = true;
    return true;
}

void net_round(void)
{
    static const uint8_t *const dsts[] = {mac_linux, mac_server, mac_bcast};

    if (!nq_found) {
        return;
    }
    nq_rx_refill();
    for (unsigned int k = 0; k < NQ_KINDS; k++) {
        unsigned int nd = kinds[k].once ? 1 : 3;
        bool ok = true;

        for (unsigned int d = 0; d < nd; d++) {
            ok = kinds[k].send(dsts[d]) && ok;
        }
        if (ok) {
            continue;
        }
        if (!kind_failed[k]) {
            printf("vqhostile: net: %s failed in round %u (status 0x%x, "
                   "used %u of %u)\n",
                   kinds[k].name, nq_rounds,
                   (unsigned int)nq_read(VIRTIO_MMIO_STATUS),
                   (unsigned int)(nq.tx.used[0] >> 16),
                   (unsigned int)nq.tx_avail);
        }
        kind_failed[k] = true;
        if (!nq_live()) {
            (void)nq_setup(); /* so that the next kinds get a chance */
        }
    }
    nq_rounds++;
}

void net_report(void)
{
    bool ok;
    uint32_t len;

    if (!nq_found) {
        test_report("net-device-found", false);
        return;
    }
    nq_rx_refill();
    printf("vqhostile: net: %u rounds of %u kinds, %lu chains sent, %lu "
           "frames received\n",
           nq_rounds, (unsigned int)NQ_KINDS, nq_sent, nq_received);
    for (unsigned int k = 0; k < NQ_KINDS; k++) {
        test_report(kinds[k].name, !kind_failed[k]);
    }
    ok = nq_setup();
    len = frame_tcp4(mac_bcast, mac_own, 1000, false, false);
    hdr_csum();
    ok = ok && tx_send(len);
    test_report("net-works-after-reset", ok);
}
