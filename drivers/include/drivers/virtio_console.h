/* SPDX-License-Identifier: MIT */
/*
 * virtio-console for a guest (virtio 1.2, 5.3), single port, no
 * multiport, no emergency write: the guest's /dev/hvc0. What the guest
 * transmits goes to Shoji's console a line at a time, labelled with the
 * VM's name like its PL011 output; the receive queue gets no input yet.
 */
#pragma once

#include <drivers/virtio_dev.h>
#include <hv/console.h>

struct virtio_console {
    struct virtio_dev dev; /* first: the transport hands back &dev */
    struct console_line line;
    const char *name;
    struct virtq_chain chain; /* scratch for one chain, under dev.lock */
};

/** Initialises c as a device of vm raising SPI spi; output is labelled
 * name. */
void virtio_console_init(struct virtio_console *c, struct vm *vm,
                         unsigned int spi, const struct virtq_mem *mem,
                         const char *name);
