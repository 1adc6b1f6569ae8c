/* SPDX-License-Identifier: MIT */
/*
 * The virtual L2 switch between guests' virtio-net devices and the host's
 * NIC; see drivers/vswitch.h for the behaviour.
 *
 * Design: the forwarding table (fdb) is a small array searched linearly;
 * with VSWITCH_FDB_SIZE entries that is cheaper than keeping a hash. An
 * entry records the port that last sent from its MAC and when. Time is
 * the caller's now_ns only (no clock calls), so the file builds unchanged
 * on the host. An entry is live while now_ns - seen_ns < VSWITCH_AGE_NS;
 * a dead entry stays in place until its MAC is seen again or it is
 * replaced, and a full table replaces its oldest entry.
 *
 * Invariants, under sw->lock:
 * - a used entry holds a unicast MAC (bit 0 of the first byte clear) and
 *   a port index below nr_ports;
 * - no two used entries hold the same MAC;
 * - ports[i]->index == i for i < nr_ports, and ports are never removed,
 *   so a port pointer read under the lock stays valid after it.
 *
 * Locking: sw->lock covers the table and the ports' counters. A frame is
 * learned from, looked up and counted under it; the ports it goes to are
 * gathered into a local array and their deliver hooks called after the
 * unlock, so a hook may take its device's lock or call vswitch_lookup.
 * rx_frames counts the frames switched: a runt, dropped before the lock,
 * is not counted. Software fix-ups (vswitch_send) run after the unlock
 * too, in the input port's scratch buffer.
 */
#include <drivers/vswitch.h>
#include <hv/errno.h>
#include <string.h>

#define VSWITCH_MAC_LEN 6
#define VSWITCH_HDR_LEN 14 /* destination, source, EtherType */

/* Broadcast and multicast: the I/G bit, first on the wire. */
static bool vswitch_mac_is_group(const uint8_t *mac)
{
    return (mac[0] & 1) != 0;
}

/* A clock that reads a little behind the one that stamped the entry
 * (another CPU's) makes it fresh, not aged out. */
static bool vswitch_fdb_live(const struct vswitch_fdb_entry *e, uint64_t now_ns)
{
    return e->used &&
           (now_ns <= e->seen_ns || now_ns - e->seen_ns < VSWITCH_AGE_NS);
}

/* The used entry holding mac, live or not, or NULL. Under sw->lock. */
static struct vswitch_fdb_entry *vswitch_fdb_find(struct vswitch *sw,
                                                  const uint8_t *mac)
{
    unsigned int i;

    for (i = 0; i < VSWITCH_FDB_SIZE; i++) {
        struct vswitch_fdb_entry *e = &sw->fdb[i];

        if (e->used && memcmp(e->mac, mac, VSWITCH_MAC_LEN) == 0) {
            return e;
        }
    }
    return NULL;
}

/* Where a new MAC goes: a free entry, else the oldest. Under sw->lock. */
static struct vswitch_fdb_entry *vswitch_fdb_victim(struct vswitch *sw)
{
    struct vswitch_fdb_entry *oldest = &sw->fdb[0];
    unsigned int i;

    for (i = 0; i < VSWITCH_FDB_SIZE; i++) {
        struct vswitch_fdb_entry *e = &sw->fdb[i];

        if (!e->used) {
            return e;
        }
        if (e->seen_ns < oldest->seen_ns) {
            oldest = e;
        }
    }
    return oldest;
}

/* Records that unicast mac was seen on port at now_ns, moving or
 * refreshing its entry if it has one. Under sw->lock. */
static void vswitch_fdb_learn(struct vswitch *sw, const uint8_t *mac,
                              unsigned int port, uint64_t now_ns)
{
    struct vswitch_fdb_entry *e = vswitch_fdb_find(sw, mac);

    if (e == NULL) {
        e = vswitch_fdb_victim(sw);
        memcpy(e->mac, mac, VSWITCH_MAC_LEN);
        e->used = true;
    }
    e->port = (uint8_t)port;
    e->seen_ns = now_ns;
}

/* The port mac was live on at now_ns, or NULL. Group addresses are never
 * learned, so they find NULL. Under sw->lock. */
static struct vswitch_port *
vswitch_fdb_port(struct vswitch *sw, const uint8_t *mac, uint64_t now_ns)
{
    struct vswitch_fdb_entry *e = vswitch_fdb_find(sw, mac);

    return e != NULL && vswitch_fdb_live(e, now_ns) ? sw->ports[e->port] : NULL;
}

/* Fills out with every port but from and counts the sends: how many.
 * Under sw->lock. */
static unsigned int vswitch_flood(struct vswitch *sw,
                                  const struct vswitch_port *from,
                                  struct vswitch_port **out)
{
    unsigned int i;
    unsigned int n = 0;

    for (i = 0; i < sw->nr_ports; i++) {
        struct vswitch_port *p = sw->ports[i];

        if (p != from) {
            p->tx_frames++;
            p->tx_flooded++;
            out[n++] = p;
        }
    }
    return n;
}

/* Learns from the header eth of a frame that entered on from and fills
 * out with the ports it goes to: how many. Under sw->lock. */
static unsigned int vswitch_route(struct vswitch *sw, struct vswitch_port *from,
                                  const uint8_t *eth, uint64_t now_ns,
                                  struct vswitch_port **out)
{
    const uint8_t *dst = eth;
    const uint8_t *src = eth + VSWITCH_MAC_LEN;
    struct vswitch_port *to;

    from->rx_frames++;
    if (!vswitch_mac_is_group(src)) {
        vswitch_fdb_learn(sw, src, from->index, now_ns);
    }
    to = vswitch_fdb_port(sw, dst, now_ns);
    if (to == NULL) {
        return vswitch_flood(sw, from, out);
    }
    if (to == from) {
        return 0; /* both ends on one port: it has the frame already */
    }
    to->tx_frames++;
    out[0] = to;
    return 1;
}

void vswitch_init(struct vswitch *sw)
{
    memset(sw, 0, sizeof(*sw));
    sw->lock = (struct spinlock)SPINLOCK_INIT;
}

int vswitch_add_port(struct vswitch *sw, struct vswitch_port *p)
{
    int ret = -HV_ENOSPC;

    spin_lock(&sw->lock);
    if (sw->nr_ports < VSWITCH_MAX_PORTS) {
        p->index = sw->nr_ports;
        p->rx_frames = 0;
        p->tx_frames = 0;
        p->tx_flooded = 0;
        p->tx_soft = 0;
        sw->ports[sw->nr_ports++] = p;
        ret = 0;
    }
    spin_unlock(&sw->lock);
    return ret;
}

/* net_gso_segment's emit: one plain segment out of port ctx. */
static void vswitch_emit_segment(void *ctx, const uint8_t *seg, uint32_t len)
{
    static const struct net_meta plain;
    struct vswitch_port *to = ctx;

    to->deliver(to, seg, len, &plain);
}

/* Sends a frame that entered on from out of port to, in a form to takes:
 * as it is, or with its checksum completed, or cut into segments. */
static void vswitch_send(struct vswitch_port *from, struct vswitch_port *to,
                         const uint8_t *frame, uint32_t len,
                         const struct net_meta *m)
{
    uint32_t offloads = __atomic_load_n(&to->offloads, __ATOMIC_RELAXED);
    uint32_t need = net_meta_needs(m);
    struct net_meta out = *m;

    if ((offloads & NET_OFF_CSUM) == 0) {
        out.flags &= (uint8_t)~NET_META_DATA_VALID;
    }
    if ((offloads & need) == need) {
        to->deliver(to, frame, len, &out);
        return;
    }
    __atomic_fetch_add(&to->tx_soft, 1, __ATOMIC_RELAXED);
    if (m->gso_type != NET_GSO_NONE) {
        (void)net_gso_segment(frame, len, m, from->scratch,
                              vswitch_emit_segment, to);
        return;
    }
    /* A plain frame (at most NET_MAX_FRAME: checked) whose checksum is
     * still to be completed. */
    memcpy(from->scratch, frame, len);
    net_csum_complete(from->scratch, len, m);
    out.flags &= (uint8_t)~NET_META_NEEDS_CSUM;
    out.csum_start = 0;
    out.csum_offset = 0;
    to->deliver(to, from->scratch, len, &out);
}

void vswitch_input(struct vswitch *sw, struct vswitch_port *from,
                   const void *frame, uint32_t len, const struct net_meta *m,
                   uint64_t now_ns)
{
    struct vswitch_port *out[VSWITCH_MAX_PORTS];
    unsigned int n;
    unsigned int i;

    if (len < VSWITCH_HDR_LEN) {
        return;
    }
    spin_lock(&sw->lock);
    n = vswitch_route(sw, from, frame, now_ns, out);
    spin_unlock(&sw->lock);
    for (i = 0; i < n; i++) {
        vswitch_send(from, out[i], frame, len, m);
    }
}

struct vswitch_port *vswitch_lookup(struct vswitch *sw, const uint8_t *mac,
                                    uint64_t now_ns)
{
    struct vswitch_port *p;

    spin_lock(&sw->lock);
    p = vswitch_fdb_port(sw, mac, now_ns);
    spin_unlock(&sw->lock);
    return p;
}
