/* SPDX-License-Identifier: MIT */
/*
 * vqhostile's virtio-net part (net.c): hostile transmit headers and a
 * malformed transmit chain on its virtio-net device (virtio slot 1).
 */
#pragma once

#include <stdbool.h>

/**
 * Finds the virtio-net device at slot 1 and sets it up (VERSION_1, MAC,
 * CSUM, HOST_TSO4, HOST_TSO6; receive buffers posted). False when it is
 * missing or will not take those features: net_round then does nothing
 * and net_report reports one failure.
 */
bool net_start(void);

/**
 * Sends one round of every hostile frame kind, checking after each that
 * the device still runs and handed the buffers back. Results are recorded
 * for net_report, nothing is reported.
 */
void net_round(void);

/**
 * Reports each kind once as a TEST line (failed if any round went wrong),
 * then that a device set up again still transmits a legal frame.
 */
void net_report(void);
