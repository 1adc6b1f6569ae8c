/* SPDX-License-Identifier: MIT */
/*
 * Physical page allocator: one bitmap over a contiguous RAM range, one bit
 * per 4 KiB page, first fit with alignment. Holds all memory not used by the
 * image, the boot blobs and reserved ranges. Locking: internal spinlock.
 */
#pragma once

#include <hv/spinlock.h>
#include <hv/types.h>

struct page_pool {
    struct spinlock lock;
    uint64_t base; /* PA of page 0 */
    size_t nr_pages;
    uint64_t *bitmap; /* 1 = allocated or reserved */
    size_t free_pages;
    bool recycled; /* some page was freed: allocations may hold old data */
};

/**
 * Sets up pool over [base, base + size) with its bitmap in the given
 * storage (at least page_pool_bitmap_bytes(size) bytes). All pages start free.
 */
void page_pool_init(struct page_pool *pool, uint64_t base, uint64_t size,
                    uint64_t *bitmap_storage);

/** Bytes of bitmap storage needed for size bytes of RAM. */
size_t page_pool_bitmap_bytes(uint64_t size);

/** Marks [pa, pa + size) as not allocatable (ignores parts outside). */
void page_pool_reserve(struct page_pool *pool, uint64_t pa, uint64_t size);

/**
 * Allocates nr contiguous pages aligned to align bytes (a power of two, at
 * least PAGE_SIZE). Returns 0 and the address in *pa, or -HV_ENOMEM.
 */
int page_pool_alloc(struct page_pool *pool, size_t nr, uint64_t align,
                    uint64_t *pa);

/** Frees pages previously allocated. Freeing a free page panics in debug. */
void page_pool_free(struct page_pool *pool, uint64_t pa, size_t nr);

/* The hypervisor's pool of host RAM. */
extern struct page_pool hv_pages;

/** Allocates zeroed pages from hv_pages; NULL when out of memory. */
void *page_alloc_zeroed(size_t nr, uint64_t align);

/** Small zeroed allocations for boot-time objects (never freed). */
void *kzalloc(size_t size);
