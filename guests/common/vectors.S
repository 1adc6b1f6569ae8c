/* SPDX-License-Identifier: MIT */
/*
 * EL1 exception vector table. Every entry saves the interrupted context as
 * a struct exc_frame (see exceptions.h) and calls exc_dispatch(kind, frame);
 * kind is the entry's index (0..15). The frame, including ELR/SPSR, is
 * written back on return, so a handler can redirect execution.
 * FP/SIMD registers are not saved: handlers are built -mgeneral-regs-only.
 */

#define FRAME_SIZE 272

.macro VENTRY kind
    .balign 0x80
    sub     sp, sp, #FRAME_SIZE
    stp     x0, x1, [sp, #0]
    mov     x0, #\kind
    b       exc_entry
.endm

    .text
    .balign 2048
    .global exc_vectors
exc_vectors:
    VENTRY  0
    VENTRY  1
    VENTRY  2
    VENTRY  3
    VENTRY  4
    VENTRY  5
    VENTRY  6
    VENTRY  7
    VENTRY  8
    VENTRY  9
    VENTRY  10
    VENTRY  11
    VENTRY  12
    VENTRY  13
    VENTRY  14
    VENTRY  15

exc_entry:
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    add     x1, sp, #FRAME_SIZE
    stp     x30, x1, [sp, #240]
    mrs     x1, elr_el1
    mrs     x2, spsr_el1
    stp     x1, x2, [sp, #256]

    mov     x1, sp
    bl      exc_dispatch

    ldp     x1, x2, [sp, #256]
    msr     elr_el1, x1
    msr     spsr_el1, x2
    ldp     x0, x1, [sp, #0]
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
    ldr     x30, [sp, #240]
    add     sp, sp, #FRAME_SIZE
    eret
