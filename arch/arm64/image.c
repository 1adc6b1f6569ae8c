/* SPDX-License-Identifier: MIT */
/*
 * Guest image placement (the arm64 Linux Image header) and making loaded
 * memory visible to a guest that starts with its caches off.
 */
#include <asm/sysreg.h>
#include <hv/arch.h>
#include <hv/errno.h>
#include <string.h>

#define IMAGE_MAGIC_OFFSET 0x38
#define IMAGE_HEADER_SIZE 0x40
#define IMAGE_LEGACY_TEXT_OFFSET 0x80000UL

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    int i;

    for (i = 7; i >= 0; i--) {
        v = (v << 8) | p[i];
    }
    return v;
}

int arch_image_layout(const void *image, size_t size, uint64_t *offset,
                      uint64_t *span)
{
    const uint8_t *h = image;
    uint64_t text_offset;
    uint64_t image_size;

    if (size < IMAGE_HEADER_SIZE ||
        memcmp(h + IMAGE_MAGIC_OFFSET, "ARM\x64", 4) != 0) {
        /* A plain binary: loaded at the RAM base, entered at its start. */
        *offset = 0;
        *span = size;
        return 0;
    }
    text_offset = le64(h + 8);
    image_size = le64(h + 16);
    if (image_size == 0) {
        /* Pre-3.17 kernels: text_offset is 0x80000, size unknown. */
        text_offset = IMAGE_LEGACY_TEXT_OFFSET;
        image_size = size;
    }
    if (image_size < size || (text_offset & 0xfff) != 0 ||
        text_offset >= (1UL << 21)) {
        return -HV_EINVAL;
    }
    *offset = text_offset;
    *span = image_size;
    return 0;
}

void arch_zero_pages(void *p, size_t size)
{
    uint64_t dczid = SYSREG_READ(dczid_el0);
    uint64_t block = 4UL << (dczid & 0xf);
    uintptr_t a = (uintptr_t)p;
    uintptr_t end = a + size;

    /* DC ZVA zeroes a whole block per instruction, unless prohibited. */
    if ((dczid & (1UL << 4)) != 0 || (a & (block - 1)) != 0 ||
        (size & (block - 1)) != 0) {
        memset(p, 0, size);
        return;
    }
    for (; a < end; a += block) {
        __asm__ volatile("dc zva, %0" ::"r"(a) : "memory");
    }
    __asm__ volatile("dsb ish" ::: "memory");
}

void arch_clean_dcache(const void *p, size_t size)
{
    uint64_t ctr = SYSREG_READ(ctr_el0);
    uint64_t line = 4UL << ((ctr >> 16) & 0xf); /* DminLine, in bytes */
    uintptr_t a = (uintptr_t)p & ~(line - 1);
    uintptr_t end = (uintptr_t)p + size;

    for (; a < end; a += line) {
        __asm__ volatile("dc cvac, %0" ::"r"(a) : "memory");
    }
    __asm__ volatile("dsb sy\n ic ialluis\n dsb sy\n isb" ::: "memory");
}
