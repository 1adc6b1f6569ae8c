/* SPDX-License-Identifier: MIT */
/*
 * Boot-time memory for hypervisor objects: whole zeroed pages from the
 * host pool, and a bump allocator for small objects (VMs, vCPUs) that live
 * until power-off.
 */
#include <hv/page_alloc.h>
#include <hv/spinlock.h>
#include <string.h>

struct page_pool hv_pages;

static struct spinlock kz_lock = SPINLOCK_INIT;
static char *kz_cur;
static size_t kz_left;

void *page_alloc_zeroed(size_t nr, uint64_t align)
{
    uint64_t pa;
    void *p;

    if (page_pool_alloc(&hv_pages, nr, align, &pa) != 0) {
        return NULL;
    }
    p = pa_to_ptr(pa_init(pa));
    memset(p, 0, nr << PAGE_SHIFT);
    return p;
}

void *kzalloc(size_t size)
{
    void *p = NULL;

    size = ALIGN_UP(size, 16);
    if (size > PAGE_SIZE) {
        return page_alloc_zeroed(ALIGN_UP(size, PAGE_SIZE) >> PAGE_SHIFT,
                                 PAGE_SIZE);
    }
    spin_lock(&kz_lock);
    if (kz_left < size) {
        kz_cur = page_alloc_zeroed(4, PAGE_SIZE);
        kz_left = kz_cur != NULL ? 4 * PAGE_SIZE : 0;
    }
    if (kz_left >= size) {
        p = kz_cur;
        kz_cur += size;
        kz_left -= size;
    }
    spin_unlock(&kz_lock);
    return p;
}
