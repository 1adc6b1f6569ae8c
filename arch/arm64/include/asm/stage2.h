/* SPDX-License-Identifier: MIT */
/*
 * Stage-2 translation tables (VMSAv8-64, 4 KiB granule, start at level 1).
 *
 * Design: tables are built once when a VM is created and not changed while
 * its vCPUs run, so no TLB maintenance or locking happens here. Table
 * memory comes from a caller-supplied allocator that returns zeroed,
 * 4 KiB-aligned pages whose address is also their physical address
 * (identity mapped at EL2; plain host memory in the unit tests).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define S2_ATTR_RAM 0    /* normal write-back, read/write/execute */
#define S2_ATTR_DEVICE 1 /* device nGnRE, read/write, never execute */

struct stage2 {
    uint64_t *root; /* level-1 table */
    unsigned int ipa_bits;
    unsigned int nr_tables;
    void *(*alloc_table)(void *ctx);
    void *alloc_ctx;
};

/** Creates an empty table for an ipa_bits-wide IPA space (32..39). */
int stage2_init(struct stage2 *s2, unsigned int ipa_bits,
                void *(*alloc_table)(void *ctx), void *ctx);

/**
 * Maps [ipa, ipa + size) to [pa, pa + size) with attr (S2_ATTR_*). Uses
 * 2 MiB blocks where both addresses are aligned, pages elsewhere. Returns
 * -HV_EINVAL for unaligned or out-of-range arguments, -HV_EEXIST when part
 * of the range is already mapped, -HV_ENOMEM when tables run out.
 */
int stage2_map(struct stage2 *s2, uint64_t ipa, uint64_t pa, uint64_t size,
               unsigned int attr);

/**
 * Walks the table for ipa. Returns true and the output address and leaf
 * descriptor when mapped.
 */
bool stage2_lookup(const struct stage2 *s2, uint64_t ipa, uint64_t *pa,
                   uint64_t *desc);

/** VTCR_EL2 value for this table, with output size from ID PARange. */
uint64_t stage2_vtcr(const struct stage2 *s2, unsigned int parange);

/* Descriptor fields, exposed for tests and the fault path. */
#define S2_DESC_VALID (1UL << 0)
#define S2_DESC_TABLE (1UL << 1) /* table at L1/L2, page at L3 */
#define S2_DESC_MEMATTR(x) ((uint64_t)(x) << 2)
#define S2_DESC_S2AP_RW (3UL << 6)
#define S2_DESC_SH_INNER (3UL << 8)
#define S2_DESC_AF (1UL << 10)
#define S2_DESC_XN (2UL << 53)
#define S2_DESC_ADDR_MASK 0x0000fffffffff000UL
