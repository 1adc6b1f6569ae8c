/* SPDX-License-Identifier: MIT */
/*
 * FDT walker (devicetree spec v0.4, chapter 5). Only aligned 32-bit reads
 * of the blob are done, since guest RAM is Device memory with the MMU off.
 */
#include <stddef.h>
#include <string.h>

#include "dtb.h"

#define FDT_MAGIC 0xd00dfeedU
#define FDT_BEGIN_NODE 1U
#define FDT_END_NODE 2U
#define FDT_PROP 3U
#define FDT_NOP 4U
#define FDT_END 9U
#define FDT_MAX_DEPTH 16

#define FDT_OFF_TOTALSIZE 1
#define FDT_OFF_STRUCT 2
#define FDT_OFF_STRINGS 3
#define FDT_OFF_STRUCT_SIZE 9

/* Called for every property; returns true to stop the walk. */
struct dtb_visit {
    bool (*prop)(struct dtb_visit *v, const char *path0, const char *path1,
                 int depth, const char *name, const uint32_t *val,
                 uint32_t len);
    uint32_t addr_cells;
    uint32_t size_cells;
    uint64_t base;
    uint64_t size;
    const char *str;
    bool found;
};

static uint32_t dtb_be32(const uint32_t *p)
{
    return __builtin_bswap32(*(const volatile uint32_t *)p);
}

bool dtb_valid(const void *dtb)
{
    const uint32_t *hdr = dtb;

    if (dtb == NULL || ((uintptr_t)dtb & 7) != 0) {
        return false;
    }
    return dtb_be32(&hdr[0]) == FDT_MAGIC;
}

/* Node name without its unit address equals want. */
static bool dtb_name_is(const char *name, const char *want)
{
    size_t n = strlen(want);

    return name != NULL && strncmp(name, want, n) == 0 &&
           (name[n] == '\0' || name[n] == '@');
}

/* Walks the structure block; path0/path1 are the depth-1/2 node names. */
static void dtb_walk(const void *dtb, struct dtb_visit *v)
{
    const uint32_t *hdr = dtb;
    const char *base = dtb;
    const uint32_t *p;
    const uint32_t *end;
    const char *strings;
    const char *names[FDT_MAX_DEPTH] = {NULL};
    int depth = 0;

    if (!dtb_valid(dtb)) {
        return;
    }
    p = (const uint32_t *)(base + dtb_be32(&hdr[FDT_OFF_STRUCT]));
    end = (const uint32_t *)((const char *)p +
                             dtb_be32(&hdr[FDT_OFF_STRUCT_SIZE]));
    strings = base + dtb_be32(&hdr[FDT_OFF_STRINGS]);

    while (p < end) {
        uint32_t tag = dtb_be32(p++);

        if (tag == FDT_BEGIN_NODE) {
            const char *name = (const char *)p;
            size_t len = strlen(name);

            if (depth < FDT_MAX_DEPTH) {
                names[depth] = name;
            }
            depth++;
            p += (len + 1 + 3) / 4;
        } else if (tag == FDT_END_NODE) {
            depth--;
            if (depth < 0) {
                return;
            }
        } else if (tag == FDT_PROP) {
            uint32_t len = dtb_be32(p);
            uint32_t nameoff = dtb_be32(p + 1);
            const char *n1 = depth > 1 ? names[1] : NULL;
            const char *n2 = depth > 2 ? names[2] : NULL;

            if (v->prop(v, n1, n2, depth, strings + nameoff, p + 2, len)) {
                return;
            }
            p += 2 + (len + 3) / 4;
        } else if (tag == FDT_NOP) {
            continue;
        } else {
            return;
        }
    }
}

static uint64_t dtb_read_cells(const uint32_t *val, uint32_t cells)
{
    uint64_t r = 0;

    for (uint32_t i = 0; i < cells; i++) {
        r = (r << 32) | dtb_be32(&val[i]);
    }
    return r;
}

static bool dtb_memory_prop(struct dtb_visit *v, const char *path0,
                            const char *path1, int depth, const char *name,
                            const uint32_t *val, uint32_t len)
{
    (void)path1;
    if (depth == 1) {
        if (strcmp(name, "#address-cells") == 0 && len == 4) {
            v->addr_cells = dtb_be32(val);
        } else if (strcmp(name, "#size-cells") == 0 && len == 4) {
            v->size_cells = dtb_be32(val);
        }
        return false;
    }
    if (depth == 2 && dtb_name_is(path0, "memory") &&
        strcmp(name, "reg") == 0 && v->addr_cells <= 2 && v->size_cells <= 2 &&
        len >= 4 * (v->addr_cells + v->size_cells)) {
        v->base = dtb_read_cells(val, v->addr_cells);
        v->size = dtb_read_cells(val + v->addr_cells, v->size_cells);
        v->found = true;
        return true;
    }
    return false;
}

int dtb_memory(const void *dtb, uint64_t *base, uint64_t *size)
{
    struct dtb_visit v = {
        .prop = dtb_memory_prop,
        .addr_cells = 2,
        .size_cells = 1,
    };

    dtb_walk(dtb, &v);
    if (!v.found) {
        return -1;
    }
    *base = v.base;
    *size = v.size;
    return 0;
}

static bool dtb_bootargs_prop(struct dtb_visit *v, const char *path0,
                              const char *path1, int depth, const char *name,
                              const uint32_t *val, uint32_t len)
{
    (void)path1;
    if (depth == 2 && dtb_name_is(path0, "chosen") &&
        strcmp(name, "bootargs") == 0 && len > 0) {
        v->str = (const char *)val;
        v->found = true;
        return true;
    }
    return false;
}

const char *dtb_bootargs(const void *dtb)
{
    struct dtb_visit v = {.prop = dtb_bootargs_prop};

    dtb_walk(dtb, &v);
    return v.found ? v.str : NULL;
}
