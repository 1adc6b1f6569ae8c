/* SPDX-License-Identifier: MIT */
/*
 * Access probes implemented in probe.S.
 */
#pragma once

#include <stdint.h>

/** Loads 64 bits from addr; returns sentinel if the load was skipped. */
uint64_t probe_load(uint64_t addr, uint64_t sentinel);

/** Stores val (64 bits) to addr. */
void probe_store(uint64_t addr, uint64_t val);

/** Branches to addr; returns only if the abort handler sends it back. */
void probe_exec(uint64_t addr);
