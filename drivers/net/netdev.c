/* SPDX-License-Identifier: MIT */
/*
 * Network interface registry, frame validation and the receive hand-off,
 * shared by the NIC drivers; see drivers/netdev.h. A frame of a bad
 * length is refused here, before a driver sees it.
 *
 * Locking: interfaces are registered on the boot CPU before secondary
 * CPUs start, and never removed, so the table is read without a lock.
 * Counters are updated with atomic adds: netdev_xmit runs on any CPU.
 * The consumer (rx, rx_ctx) is published as irq.c publishes handlers:
 * netdev_set_rx clears rx, writes rx_ctx, then writes rx (release);
 * netdev_receive reads rx (acquire), rx_ctx, then rx again, and drops the
 * frame unless both reads agree, so a consumer is never called with a
 * context that was set for another one (short of two complete changes
 * between its reads, which consumers, set at boot, do not make).
 */
#include <drivers/netdev.h>
#include <hv/errno.h>
#include <stdio.h>

static struct netdev *netdevs[NETDEV_MAX];
static unsigned int nr_netdevs;

static void netdev_count_one(uint64_t *counter)
{
    __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

unsigned int netdev_count(void)
{
    return nr_netdevs;
}

struct netdev *netdev_get(unsigned int i)
{
    return i < nr_netdevs ? netdevs[i] : NULL;
}

void netdev_set_rx(struct netdev *d, netdev_rx_fn rx, void *ctx)
{
    __atomic_store_n(&d->rx, NULL, __ATOMIC_RELEASE);
    __atomic_store_n(&d->rx_ctx, ctx, __ATOMIC_RELEASE);
    __atomic_store_n(&d->rx, rx, __ATOMIC_RELEASE);
}

/* Does d take request m, for a frame of len bytes? */
static bool netdev_takes(const struct netdev *d, const struct net_meta *m,
                         uint32_t len)
{
    uint32_t need = net_meta_needs(m);

    return (d->offloads & need) == need &&
           len <= (m->gso_type != NET_GSO_NONE ? NET_MAX_GSO_FRAME
                                               : NETDEV_MAX_FRAME);
}

int netdev_xmit(struct netdev *d, const void *frame, uint32_t len,
                const struct net_meta *m)
{
    int rc;

    if (d == NULL || frame == NULL || m == NULL || len < NETDEV_MIN_FRAME ||
        !netdev_takes(d, m, len)) {
        return -HV_EINVAL;
    }
    rc = d->ops->xmit(d, frame, len, m);
    netdev_count_one(rc == 0 ? &d->stats.tx_frames : &d->stats.tx_dropped);
    if (rc == 0 && m->gso_type != NET_GSO_NONE) {
        netdev_count_one(&d->stats.tx_gso);
    }
    return rc;
}

void *netdev_tx_borrow(struct netdev *d, uint32_t len)
{
    if (d == NULL || d->ops->tx_borrow == NULL || len < NETDEV_MIN_FRAME ||
        len > NET_MAX_GSO_FRAME) {
        return NULL;
    }
    return d->ops->tx_borrow(d, len);
}

void netdev_tx_return(struct netdev *d, void *buf)
{
    d->ops->tx_return(d, buf);
}

bool netdev_inject_fault(struct netdev *d)
{
    if (d->ops->inject_fault == NULL) {
        return false;
    }
    d->ops->inject_fault(d);
    return true;
}

int netdev_register(struct netdev *d)
{
    if (nr_netdevs == NETDEV_MAX) {
        return -HV_ENOSPC;
    }
    snprintf(d->name, sizeof(d->name), "net%u", nr_netdevs);
    netdevs[nr_netdevs++] = d;
    return 0;
}

void netdev_receive(struct netdev *d, const void *frame, uint32_t len,
                    const struct net_meta *m)
{
    netdev_rx_fn rx = __atomic_load_n(&d->rx, __ATOMIC_ACQUIRE);
    void *ctx = __atomic_load_n(&d->rx_ctx, __ATOMIC_ACQUIRE);

    if (rx == NULL || rx != __atomic_load_n(&d->rx, __ATOMIC_ACQUIRE)) {
        netdev_count_one(&d->stats.rx_dropped);
        return;
    }
    netdev_count_one(&d->stats.rx_frames);
    if (m->gso_type != NET_GSO_NONE) {
        netdev_count_one(&d->stats.rx_gso);
    }
    rx(ctx, frame, len, m);
}
