/* SPDX-License-Identifier: MIT */
/*
 * EL2 stage-1 translation for Shoji itself: an identity map (VA == PA) of
 * the first GiB as device memory (the QEMU virt board's peripherals) and of
 * host RAM as normal memory, execute-never, except Shoji's image, mapped
 * with 4 KiB pages W^X: text read-only + executable, rodata read-only,
 * data and BSS read-write. SCTLR_EL2.WXN backs this up in hardware.
 *
 * The boot CPU builds the tables with the MMU off (non-cacheable writes, so
 * the walker sees them without cache maintenance); secondaries reuse them.
 */
#include <asm/mmu.h>
#include <asm/sysreg.h>
#include <hv/kernel.h>
#include <hv/types.h>

#define PTE_VALID (1UL << 0)
#define PTE_TABLE (1UL << 1) /* table (L0-L2) or page (L3) */
#define PTE_ATTR(i) ((uint64_t)(i) << 2)
#define PTE_AP_RES1 (1UL << 6) /* AP[1]: RES1 in the EL2 regime */
#define PTE_RO (1UL << 7)      /* AP[2] */
#define PTE_SH_INNER (3UL << 8)
#define PTE_AF (1UL << 10)
#define PTE_XN (1UL << 54)
#define PTE_ADDR 0x0000fffffffff000UL

#define MAIR_IDX_DEVICE_NGNRNE 0
#define MAIR_IDX_DEVICE_NGNRE 1
#define MAIR_IDX_NORMAL 2
#define MAIR_VALUE ((0x00UL << 0) | (0x04UL << 8) | (0xffUL << 16))

#define MMU_MAX_TABLES 24
#define VA_BITS 39

static uint64_t mmu_tables[MMU_MAX_TABLES][512]
    __attribute__((aligned(PAGE_SIZE)));
static unsigned int mmu_nr_tables;

static struct {
    uint64_t ttbr, tcr, mair, sctlr;
} mmu_regs;

void mmu_enable(uint64_t ttbr, uint64_t tcr, uint64_t mair, uint64_t sctlr);

static uint64_t *table_alloc(void)
{
    if (mmu_nr_tables == MMU_MAX_TABLES) {
        return NULL;
    }
    return mmu_tables[mmu_nr_tables++];
}

static uint64_t *table_next(uint64_t *entry)
{
    uint64_t *t;

    if (*entry & PTE_VALID) {
        return (uint64_t *)(uintptr_t)(*entry & PTE_ADDR);
    }
    t = table_alloc();
    if (t != NULL) {
        *entry = ((uint64_t)(uintptr_t)t & PTE_ADDR) | PTE_VALID | PTE_TABLE;
    }
    return t;
}

static uint64_t image_page_flags(uint64_t pa)
{
    uint64_t f =
        PTE_ATTR(MAIR_IDX_NORMAL) | PTE_SH_INNER | PTE_AF | PTE_AP_RES1;

    if (pa >= (uintptr_t)__text_start && pa < (uintptr_t)__text_end) {
        return f | PTE_RO;
    }
    if (pa >= (uintptr_t)__rodata_start && pa < (uintptr_t)__rodata_end) {
        return f | PTE_RO | PTE_XN;
    }
    return f | PTE_XN;
}

static int map_ram_2m(uint64_t *l1, uint64_t pa)
{
    uint64_t img_lo = ALIGN_DOWN((uint64_t)(uintptr_t)__image_start, SZ_2M);
    uint64_t img_hi = (uint64_t)(uintptr_t)__image_end;
    uint64_t *l2 = table_next(&l1[(pa >> 30) & 511]);
    uint64_t *e;

    if (l2 == NULL) {
        return -1;
    }
    e = &l2[(pa >> 21) & 511];
    if (pa >= img_lo && pa < img_hi) {
        uint64_t *l3 = table_next(e);
        unsigned int i;

        if (l3 == NULL) {
            return -1;
        }
        for (i = 0; i < 512; i++) {
            uint64_t p = pa + ((uint64_t)i << PAGE_SHIFT);

            l3[i] = p | PTE_VALID | PTE_TABLE | image_page_flags(p);
        }
        return 0;
    }
    *e = pa | PTE_VALID | PTE_ATTR(MAIR_IDX_NORMAL) | PTE_SH_INNER | PTE_AF |
         PTE_AP_RES1 | PTE_XN;
    return 0;
}

int mmu_init(uint64_t ram_base, uint64_t ram_size)
{
    uint64_t *l1 = table_alloc();
    uint64_t parange = SYSREG_READ(id_aa64mmfr0_el1) & 0xf;
    uint64_t pa;

    if (ram_base < SZ_1G || ram_base + ram_size > (1UL << VA_BITS)) {
        return -1;
    }
    /* 0..1 GiB: the board's devices (GIC, UART, ...), device nGnRE. */
    l1[0] = 0 | PTE_VALID | PTE_ATTR(MAIR_IDX_DEVICE_NGNRE) | PTE_AF |
            PTE_AP_RES1 | PTE_XN;
    for (pa = ALIGN_DOWN(ram_base, SZ_2M); pa < ram_base + ram_size;
         pa += SZ_2M) {
        if (map_ram_2m(l1, pa) != 0) {
            return -1;
        }
    }
    mmu_regs.ttbr = (uint64_t)(uintptr_t)l1;
    mmu_regs.tcr = (64 - VA_BITS) | (1UL << 8) | (1UL << 10) | (3UL << 12) |
                   (MIN(parange, 5UL) << 16) | (1UL << 23) | (1UL << 31);
    mmu_regs.mair = MAIR_VALUE;
    mmu_regs.sctlr =
        SCTLR_EL2_RES1 | SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_SA | SCTLR_WXN;
    mmu_enable(mmu_regs.ttbr, mmu_regs.tcr, mmu_regs.mair, mmu_regs.sctlr);
    return 0;
}

void mmu_enable_secondary(void)
{
    mmu_enable(mmu_regs.ttbr, mmu_regs.tcr, mmu_regs.mair, mmu_regs.sctlr);
}
