/* SPDX-License-Identifier: MIT */
/*
 * Stage-2 table builder; see asm/stage2.h for the design. Level 1 entries
 * cover 1 GiB, level 2 entries 2 MiB (block or table), level 3 entries
 * 4 KiB pages. 1 GiB blocks are not used, so that one VM's RAM never needs
 * a 1 GiB-aligned physical range.
 */
#include <asm/stage2.h>
#include <hv/errno.h>
#include <hv/types.h>

#define S2_ENTRIES 512
#define S2_MEMATTR_NORMAL_WB 0xfUL
#define S2_MEMATTR_DEVICE_NGNRE 0x1UL

static unsigned int level_shift(unsigned int level)
{
    return 12 + 9 * (3 - level);
}

static uint64_t leaf_desc(uint64_t pa, unsigned int attr, bool page)
{
    uint64_t d =
        (pa & S2_DESC_ADDR_MASK) | S2_DESC_VALID | S2_DESC_AF | S2_DESC_S2AP_RW;

    if (page) {
        d |= S2_DESC_TABLE;
    }
    if (attr == S2_ATTR_DEVICE) {
        d |= S2_DESC_MEMATTR(S2_MEMATTR_DEVICE_NGNRE) | S2_DESC_XN;
    } else {
        d |= S2_DESC_MEMATTR(S2_MEMATTR_NORMAL_WB) | S2_DESC_SH_INNER;
    }
    return d;
}

int stage2_init(struct stage2 *s2, unsigned int ipa_bits,
                void *(*alloc_table)(void *ctx), void *ctx)
{
    if (ipa_bits < 32 || ipa_bits > 39 || alloc_table == NULL) {
        return -HV_EINVAL;
    }
    s2->ipa_bits = ipa_bits;
    s2->alloc_table = alloc_table;
    s2->alloc_ctx = ctx;
    s2->nr_tables = 0;
    s2->root = alloc_table(ctx);
    if (s2->root == NULL) {
        return -HV_ENOMEM;
    }
    s2->nr_tables = 1;
    return 0;
}

/* Returns the next-level table under *entry, creating it if empty. */
static uint64_t *next_table(struct stage2 *s2, uint64_t *entry)
{
    uint64_t *t;

    if (*entry & S2_DESC_VALID) {
        if (!(*entry & S2_DESC_TABLE)) {
            return NULL; /* a block is already there */
        }
        return (uint64_t *)(uintptr_t)(*entry & S2_DESC_ADDR_MASK);
    }
    t = s2->alloc_table(s2->alloc_ctx);
    if (t == NULL) {
        return NULL;
    }
    s2->nr_tables++;
    *entry = ((uint64_t)(uintptr_t)t & S2_DESC_ADDR_MASK) | S2_DESC_VALID |
             S2_DESC_TABLE;
    return t;
}

static int map_one(struct stage2 *s2, uint64_t ipa, uint64_t pa,
                   unsigned int attr, unsigned int leaf_level)
{
    uint64_t *table = s2->root;
    unsigned int level;

    for (level = 1; level < leaf_level; level++) {
        uint64_t *e = &table[(ipa >> level_shift(level)) % S2_ENTRIES];
        uint64_t *next;

        if ((*e & S2_DESC_VALID) && !(*e & S2_DESC_TABLE)) {
            return -HV_EEXIST;
        }
        next = next_table(s2, e);
        if (next == NULL) {
            return -HV_ENOMEM;
        }
        table = next;
    }
    table += (ipa >> level_shift(leaf_level)) % S2_ENTRIES;
    if (*table & S2_DESC_VALID) {
        return -HV_EEXIST;
    }
    *table = leaf_desc(pa, attr, leaf_level == 3);
    return 0;
}

/* True when any page of [start, end) is mapped; skips empty subtrees. */
static bool range_has_mapping(const struct stage2 *s2, uint64_t start,
                              uint64_t end)
{
    uint64_t a = start;

    while (a < end) {
        const uint64_t *table = s2->root;
        unsigned int level;

        for (level = 1; level <= 3; level++) {
            uint64_t e = table[(a >> level_shift(level)) % S2_ENTRIES];
            uint64_t span = 1UL << level_shift(level);

            if (!(e & S2_DESC_VALID)) {
                a = ALIGN_DOWN(a, span) + span;
                break;
            }
            if (level == 3 || !(e & S2_DESC_TABLE)) {
                return true;
            }
            table = (const uint64_t *)(uintptr_t)(e & S2_DESC_ADDR_MASK);
        }
    }
    return false;
}

int stage2_map(struct stage2 *s2, uint64_t ipa, uint64_t pa, uint64_t size,
               unsigned int attr)
{
    uint64_t limit = 1UL << s2->ipa_bits;
    uint64_t done;

    if (!IS_ALIGNED(ipa | pa | size, PAGE_SIZE) || size == 0 || ipa >= limit ||
        size > limit - ipa || attr > S2_ATTR_DEVICE ||
        (pa & ~S2_DESC_ADDR_MASK) != 0) {
        return -HV_EINVAL;
    }
    /* Refuse partial overlaps up front so a failed call changes nothing. */
    if (range_has_mapping(s2, ipa, ipa + size)) {
        return -HV_EEXIST;
    }
    done = 0;
    while (done < size) {
        uint64_t i = ipa + done;
        uint64_t p = pa + done;
        bool block = IS_ALIGNED(i | p, SZ_2M) && size - done >= SZ_2M;
        int rc = map_one(s2, i, p, attr, block ? 2 : 3);

        if (rc != 0) {
            return rc;
        }
        done += block ? SZ_2M : PAGE_SIZE;
    }
    return 0;
}

bool stage2_lookup(const struct stage2 *s2, uint64_t ipa, uint64_t *pa,
                   uint64_t *desc)
{
    const uint64_t *table = s2->root;
    unsigned int level;

    if (ipa >= (1UL << s2->ipa_bits)) {
        return false;
    }
    for (level = 1; level <= 3; level++) {
        uint64_t e = table[(ipa >> level_shift(level)) % S2_ENTRIES];
        uint64_t span = 1UL << level_shift(level);

        if (!(e & S2_DESC_VALID)) {
            return false;
        }
        if (level == 3 || !(e & S2_DESC_TABLE)) {
            if (level == 1) {
                return false; /* never written by stage2_map */
            }
            if (pa != NULL) {
                *pa =
                    (e & S2_DESC_ADDR_MASK & ~(span - 1)) | (ipa & (span - 1));
            }
            if (desc != NULL) {
                *desc = e;
            }
            return true;
        }
        table = (const uint64_t *)(uintptr_t)(e & S2_DESC_ADDR_MASK);
    }
    return false;
}

uint64_t stage2_vtcr(const struct stage2 *s2, unsigned int parange)
{
    uint64_t ps = parange > 5 ? 5 : parange; /* up to 48-bit output */
    uint64_t vtcr = 0;

    vtcr |= (uint64_t)(64 - s2->ipa_bits); /* T0SZ */
    vtcr |= 1UL << 6;                      /* SL0: start at level 1 */
    vtcr |= 1UL << 8;                      /* IRGN0: WB RA WA */
    vtcr |= 1UL << 10;                     /* ORGN0: WB RA WA */
    vtcr |= 3UL << 12;                     /* SH0: inner shareable */
    vtcr |= 0UL << 14;                     /* TG0: 4 KiB */
    vtcr |= ps << 16;                      /* PS */
    vtcr |= 1UL << 31;                     /* RES1 */
    return vtcr;
}
