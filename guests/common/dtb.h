/* SPDX-License-Identifier: MIT */
/*
 * Minimal read-only flattened device tree walker: just enough for a guest
 * to find its RAM (/memory reg) and /chosen bootargs.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/** Returns true if dtb points at a blob with a valid FDT header. */
bool dtb_valid(const void *dtb);

/**
 * Finds the first /memory node's first reg entry, honouring the root's
 * #address-cells and #size-cells. Returns 0, or -1 if not found.
 */
int dtb_memory(const void *dtb, uint64_t *base, uint64_t *size);

/** Returns /chosen bootargs, or NULL if absent. Points into the blob. */
const char *dtb_bootargs(const void *dtb);
