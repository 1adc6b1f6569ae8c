/* SPDX-License-Identifier: MIT */
/*
 * EL2 exception vectors, the guest exit path and the guest entry path.
 *
 * Design: there are no per-vCPU EL2 stacks. A guest exit saves the whole
 * guest context (GPRs, PC, PSTATE and FP/SIMD, since Shoji's C code and the
 * libc may use vector registers) into the loaded vCPU's struct arch_regs,
 * found through TPIDR_EL2 (struct pcpu), resets SP to the top of this CPU's
 * stack and calls arch_guest_exit(). That returns the context to enter,
 * which may belong to another vCPU after a reschedule. EL2 itself runs with
 * interrupts masked: interrupts are only taken from the guest or polled in
 * the idle loop, so no EL2 code is ever interrupted.
 */
#include <asm/asm.h>
#include <asm/pcpu.h>
#include <asm/regs.h>
#include <asm/traps.h>

.macro vector_entry label
    .balign 0x80
    b       \label
.endm

.macro exit_vector kind
    .balign 0x80
    stp     x0, x1, [sp, #-16]!
    mov     x1, #\kind
    b       guest_exit_common
.endm

.macro hyp_vector kind
    .balign 0x80
    sub     sp, sp, #(REGS_SIZE)
    stp     x0, x1, [sp, #REGS_X(0)]
    mov     x1, #\kind
    b       hyp_exception_common
.endm

    .section .text.vectors, "ax"
    .balign 0x800
    .global el2_vectors
el2_vectors:
    hyp_vector HYP_EXC_SP0_SYNC
    hyp_vector HYP_EXC_SP0_IRQ
    hyp_vector HYP_EXC_SP0_FIQ
    hyp_vector HYP_EXC_SP0_SERROR
    hyp_vector HYP_EXC_SYNC
    hyp_vector HYP_EXC_IRQ
    hyp_vector HYP_EXC_FIQ
    hyp_vector HYP_EXC_SERROR
    exit_vector GUEST_EXIT_SYNC
    exit_vector GUEST_EXIT_IRQ
    exit_vector GUEST_EXIT_FIQ
    exit_vector GUEST_EXIT_SERROR
    exit_vector GUEST_EXIT_AARCH32
    exit_vector GUEST_EXIT_AARCH32
    exit_vector GUEST_EXIT_AARCH32
    exit_vector GUEST_EXIT_AARCH32

    .text
/* Guest x0/x1 are on the stack, x1 = exit kind. */
guest_exit_common:
    mrs     x0, tpidr_el2
    ldr     x0, [x0, #PCPU_REGS]
    stp     x2, x3, [x0, #REGS_X(2)]
    stp     x4, x5, [x0, #REGS_X(4)]
    stp     x6, x7, [x0, #REGS_X(6)]
    stp     x8, x9, [x0, #REGS_X(8)]
    stp     x10, x11, [x0, #REGS_X(10)]
    stp     x12, x13, [x0, #REGS_X(12)]
    stp     x14, x15, [x0, #REGS_X(14)]
    stp     x16, x17, [x0, #REGS_X(16)]
    stp     x18, x19, [x0, #REGS_X(18)]
    stp     x20, x21, [x0, #REGS_X(20)]
    stp     x22, x23, [x0, #REGS_X(22)]
    stp     x24, x25, [x0, #REGS_X(24)]
    stp     x26, x27, [x0, #REGS_X(26)]
    stp     x28, x29, [x0, #REGS_X(28)]
    str     x30, [x0, #REGS_X(30)]
    ldp     x2, x3, [sp], #16
    stp     x2, x3, [x0, #REGS_X(0)]
    mrs     x2, elr_el2
    mrs     x3, spsr_el2
    stp     x2, x3, [x0, #REGS_PC]
    mrs     x2, fpsr
    mrs     x3, fpcr
    str     w2, [x0, #REGS_FPSR]
    str     w3, [x0, #REGS_FPCR]
    add     x2, x0, #REGS_VREGS
    stp     q0, q1, [x2, #0]
    stp     q2, q3, [x2, #32]
    stp     q4, q5, [x2, #64]
    stp     q6, q7, [x2, #96]
    stp     q8, q9, [x2, #128]
    stp     q10, q11, [x2, #160]
    stp     q12, q13, [x2, #192]
    stp     q14, q15, [x2, #224]
    stp     q16, q17, [x2, #256]
    stp     q18, q19, [x2, #288]
    stp     q20, q21, [x2, #320]
    stp     q22, q23, [x2, #352]
    stp     q24, q25, [x2, #384]
    stp     q26, q27, [x2, #416]
    stp     q28, q29, [x2, #448]
    stp     q30, q31, [x2, #480]
    mrs     x2, tpidr_el2
    ldr     x3, [x2, #PCPU_STACK_TOP]
    mov     sp, x3
    mov     x29, #0
    bl      arch_guest_exit
    b       guest_enter

/*
 * guest_enter(regs): loads a guest context and returns to it; never
 * returns. The caller has made regs the loaded vCPU's context.
 */
func guest_enter
    add     x2, x0, #REGS_VREGS
    ldp     q0, q1, [x2, #0]
    ldp     q2, q3, [x2, #32]
    ldp     q4, q5, [x2, #64]
    ldp     q6, q7, [x2, #96]
    ldp     q8, q9, [x2, #128]
    ldp     q10, q11, [x2, #160]
    ldp     q12, q13, [x2, #192]
    ldp     q14, q15, [x2, #224]
    ldp     q16, q17, [x2, #256]
    ldp     q18, q19, [x2, #288]
    ldp     q20, q21, [x2, #320]
    ldp     q22, q23, [x2, #352]
    ldp     q24, q25, [x2, #384]
    ldp     q26, q27, [x2, #416]
    ldp     q28, q29, [x2, #448]
    ldp     q30, q31, [x2, #480]
    ldr     w2, [x0, #REGS_FPSR]
    ldr     w3, [x0, #REGS_FPCR]
    msr     fpsr, x2
    msr     fpcr, x3
    ldp     x2, x3, [x0, #REGS_PC]
    msr     elr_el2, x2
    msr     spsr_el2, x3
    ldp     x2, x3, [x0, #REGS_X(2)]
    ldp     x4, x5, [x0, #REGS_X(4)]
    ldp     x6, x7, [x0, #REGS_X(6)]
    ldp     x8, x9, [x0, #REGS_X(8)]
    ldp     x10, x11, [x0, #REGS_X(10)]
    ldp     x12, x13, [x0, #REGS_X(12)]
    ldp     x14, x15, [x0, #REGS_X(14)]
    ldp     x16, x17, [x0, #REGS_X(16)]
    ldp     x18, x19, [x0, #REGS_X(18)]
    ldp     x20, x21, [x0, #REGS_X(20)]
    ldp     x22, x23, [x0, #REGS_X(22)]
    ldp     x24, x25, [x0, #REGS_X(24)]
    ldp     x26, x27, [x0, #REGS_X(26)]
    ldp     x28, x29, [x0, #REGS_X(28)]
    ldr     x30, [x0, #REGS_X(30)]
    ldp     x0, x1, [x0, #REGS_X(0)]
    eret
    dsb     nsh
    isb
endfunc guest_enter

/*
 * An exception taken from EL2 itself is always a bug: save what we have
 * into a frame on the stack and let C dump it and panic.
 */
hyp_exception_common:
    stp     x2, x3, [sp, #REGS_X(2)]
    stp     x4, x5, [sp, #REGS_X(4)]
    stp     x6, x7, [sp, #REGS_X(6)]
    stp     x8, x9, [sp, #REGS_X(8)]
    stp     x10, x11, [sp, #REGS_X(10)]
    stp     x12, x13, [sp, #REGS_X(12)]
    stp     x14, x15, [sp, #REGS_X(14)]
    stp     x16, x17, [sp, #REGS_X(16)]
    stp     x18, x19, [sp, #REGS_X(18)]
    stp     x20, x21, [sp, #REGS_X(20)]
    stp     x22, x23, [sp, #REGS_X(22)]
    stp     x24, x25, [sp, #REGS_X(24)]
    stp     x26, x27, [sp, #REGS_X(26)]
    stp     x28, x29, [sp, #REGS_X(28)]
    str     x30, [sp, #REGS_X(30)]
    mrs     x2, elr_el2
    mrs     x3, spsr_el2
    stp     x2, x3, [sp, #REGS_PC]
    mov     x0, sp
    bl      hyp_exception
1:  wfe
    b       1b
