/* SPDX-License-Identifier: MIT */
/*
 * Page allocator over one RAM range; see hv/page_alloc.h. First fit is
 * enough: allocations happen when VMs are created, not on hot paths.
 */
#include <hv/errno.h>
#include <hv/page_alloc.h>
#include <string.h>

#define BITS_PER_WORD 64

size_t page_pool_bitmap_bytes(uint64_t size)
{
    size_t pages = size >> PAGE_SHIFT;

    return ALIGN_UP(pages, BITS_PER_WORD) / 8;
}

static bool page_used(const struct page_pool *p, size_t i)
{
    return (p->bitmap[i / BITS_PER_WORD] >> (i % BITS_PER_WORD)) & 1;
}

static void page_set(struct page_pool *p, size_t i, bool used)
{
    uint64_t bit = 1UL << (i % BITS_PER_WORD);

    if (used) {
        p->bitmap[i / BITS_PER_WORD] |= bit;
    } else {
        p->bitmap[i / BITS_PER_WORD] &= ~bit;
    }
}

void page_pool_init(struct page_pool *pool, uint64_t base, uint64_t size,
                    uint64_t *bitmap_storage)
{
    pool->lock = (struct spinlock)SPINLOCK_INIT;
    pool->base = base;
    pool->nr_pages = size >> PAGE_SHIFT;
    pool->bitmap = bitmap_storage;
    pool->free_pages = pool->nr_pages;
    pool->recycled = false;
    memset(bitmap_storage, 0, page_pool_bitmap_bytes(size));
}

void page_pool_reserve(struct page_pool *pool, uint64_t pa, uint64_t size)
{
    uint64_t start = ALIGN_DOWN(pa, PAGE_SIZE);
    uint64_t end = ALIGN_UP(pa + size, PAGE_SIZE);
    uint64_t top = pool->base + (pool->nr_pages << PAGE_SHIFT);
    uint64_t a;

    if (end <= pool->base || start >= top) {
        return;
    }
    start = MAX(start, pool->base);
    end = MIN(end, top);
    spin_lock(&pool->lock);
    for (a = start; a < end; a += PAGE_SIZE) {
        size_t i = (a - pool->base) >> PAGE_SHIFT;

        if (!page_used(pool, i)) {
            page_set(pool, i, true);
            pool->free_pages--;
        }
    }
    spin_unlock(&pool->lock);
}

int page_pool_alloc(struct page_pool *pool, size_t nr, uint64_t align,
                    uint64_t *pa)
{
    size_t step;
    size_t i;
    size_t first;
    int rc = -HV_ENOMEM;

    if (nr == 0 || align < PAGE_SIZE || (align & (align - 1)) != 0) {
        return -HV_EINVAL;
    }
    step = align >> PAGE_SHIFT;
    spin_lock(&pool->lock);
    /* First index whose address is aligned (base may not be). */
    first = (ALIGN_UP(pool->base, align) - pool->base) >> PAGE_SHIFT;
    /* i + nr could wrap for a huge nr: compare against what is left. */
    for (i = first; i < pool->nr_pages && nr <= pool->nr_pages - i; i += step) {
        size_t j;

        for (j = 0; j < nr && !page_used(pool, i + j); j++) {
        }
        if (j == nr) {
            for (j = 0; j < nr; j++) {
                page_set(pool, i + j, true);
            }
            pool->free_pages -= nr;
            *pa = pool->base + ((uint64_t)i << PAGE_SHIFT);
            rc = 0;
            break;
        }
    }
    spin_unlock(&pool->lock);
    return rc;
}

void page_pool_free(struct page_pool *pool, uint64_t pa, size_t nr)
{
    size_t i = (pa - pool->base) >> PAGE_SHIFT;
    size_t j;

    spin_lock(&pool->lock);
    pool->recycled = true;
    for (j = 0; j < nr; j++) {
        if (page_used(pool, i + j)) {
            page_set(pool, i + j, false);
            pool->free_pages++;
        }
    }
    spin_unlock(&pool->lock);
}
