/* SPDX-License-Identifier: MIT */
/*
 * Boot entry. Shoji carries an arm64 Linux Image header, so QEMU (and any
 * boot loader speaking the Linux arm64 boot protocol) loads it 2 MiB-aligned
 * and enters it at EL2, MMU off, with x0 = the host device tree. The boot
 * CPU zeroes BSS, takes CPU 0's stack and calls boot_primary(); secondaries
 * come in through secondary_entry from PSCI CPU_ON with x0 = their index.
 */
#include <asm/asm.h>

    .section .text.head, "ax"
    .global _start
_start:
    b       primary_entry
    .long   0
    .quad   0                   /* text_offset: from a 2 MiB boundary */
    .quad   __image_size        /* effective image size, incl. BSS */
    .quad   (1 << 1)            /* little endian, 4 KiB pages */
    .quad   0, 0, 0
    .ascii  "ARM\x64"
    .long   0

primary_entry:
    msr     daifset, #0xf
    mov     x19, x0
    mrs     x1, CurrentEL
    cmp     x1, #(2 << 2)
    b.ne    boot_hang               /* not entered at EL2: nothing to do */
    adr     x1, _start
    ldr     x2, =_start
    cmp     x1, x2
    b.ne    boot_hang               /* loaded where we were not linked */

    adr_l   x1, __bss_start
    adr_l   x2, __bss_end
1:  cmp     x1, x2
    b.hs    2f
    stp     xzr, xzr, [x1], #16
    b       1b
2:
    adr_l   x1, el2_vectors
    msr     vbar_el2, x1
    msr     tpidr_el2, xzr
    adr_l   x1, hv_stacks
    mov     x2, #(CONFIG_HV_STACK_KIB * 1024)
    add     sp, x1, x2
    mov     x0, x19
    bl      boot_primary
    b       boot_hang

/* x0 = logical CPU index, set as PSCI CPU_ON's context id. */
func secondary_entry
    msr     daifset, #0xf
    mov     x19, x0
    adr_l   x1, el2_vectors
    msr     vbar_el2, x1
    msr     tpidr_el2, xzr
    adr_l   x1, hv_stacks
    mov     x2, #(CONFIG_HV_STACK_KIB * 1024)
    add     x3, x19, #1
    mul     x2, x2, x3
    add     sp, x1, x2
    bl      mmu_enable_secondary
    mov     x0, x19
    bl      boot_secondary
    b       boot_hang
endfunc secondary_entry

func boot_hang
    wfe
    b       boot_hang
endfunc boot_hang

/*
 * mmu_enable(ttbr0, tcr, mair, sctlr): turns the EL2 MMU on. The tables were
 * written with the MMU off, i.e. with non-cacheable accesses, so no cache
 * maintenance is needed before the walker reads them.
 */
func mmu_enable
    msr     mair_el2, x2
    msr     tcr_el2, x1
    msr     ttbr0_el2, x0
    isb
    tlbi    alle2
    dsb     ish
    isb
    msr     sctlr_el2, x3
    isb
    ret
endfunc mmu_enable

    .section .bss.stacks, "aw", %nobits
    .balign 16
    .global hv_stacks
hv_stacks:
    .space  CONFIG_HV_STACK_KIB * 1024 * CONFIG_NR_CPUS
