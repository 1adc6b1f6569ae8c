/* SPDX-License-Identifier: MIT */
/*
 * Guest entry point. Shoji enters at IPA 0x40000000, EL1h, MMU and caches
 * off, DAIF masked, x0 = IPA of the guest device tree (Linux arm64 boot
 * protocol). Sets up the stack and vectors, enables FP/SIMD (newlib uses
 * it), zeroes BSS, calls main(dtb) and shuts the VM down with its result.
 */

    .section .text.boot, "ax"
    .global _start
_start:
    mov     x19, x0                 /* keep the DTB address */

    ldr     x1, =__stack_top
    mov     sp, x1

    ldr     x1, =exc_vectors
    msr     vbar_el1, x1

    /* CPACR_EL1.FPEN = 0b11: no FP/SIMD traps at EL1/EL0. */
    mov     x1, #(3 << 20)
    msr     cpacr_el1, x1
    isb

    /* Zero BSS; both ends are 16-byte aligned by guest.lds. */
    ldr     x1, =__bss_start
    ldr     x2, =__bss_end
1:  cmp     x1, x2
    b.hs    2f
    stp     xzr, xzr, [x1], #16
    b       1b
2:
    mov     x0, x19
    bl      runtime_init
    mov     x0, x19
    bl      main
    bl      runtime_exit            /* does not return */
3:  wfi
    b       3b

    .ltorg
