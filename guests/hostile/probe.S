/* SPDX-License-Identifier: MIT */
/*
 * Single-instruction access probes, so an abort handler can skip exactly
 * the faulting access (ELR + 4) or, for a fetch, return to the caller.
 */

    .text

/* uint64_t probe_load(uint64_t addr, uint64_t sentinel): returns sentinel
 * unchanged if the load faulted and was skipped. */
    .global probe_load
probe_load:
    mov     x2, x0
    mov     x0, x1
    ldr     x0, [x2]
    ret

/* void probe_store(uint64_t addr, uint64_t val) */
    .global probe_store
probe_store:
    str     x1, [x0]
    ret

/* void probe_exec(uint64_t addr): branches to addr with x30 = the return
 * point; the instruction abort handler resumes there (ELR = x30). */
    .global probe_exec
probe_exec:
    stp     x29, x30, [sp, #-16]!
    mov     x29, sp
    blr     x0
    ldp     x29, x30, [sp], #16
    ret
