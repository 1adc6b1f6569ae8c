/* SPDX-License-Identifier: MIT */
/* Register accesses for the tests that drive a virtio device through its
 * virtio-mmio transport as a guest driver would: aligned 32-bit words,
 * each of which must succeed. */
#pragma once

#include "harness.h"

#include <drivers/virtio_dev.h>

static inline void wr(struct virtio_dev *d, uint64_t off, uint32_t val)
{
    assert_int_equal(virtio_dev_write(d, NULL, off, 4, val), 0);
}

static inline uint32_t rd(struct virtio_dev *d, uint64_t off)
{
    uint64_t val = 0;

    assert_int_equal(virtio_dev_read(d, NULL, off, 4, &val), 0);
    return (uint32_t)val;
}
