/* SPDX-License-Identifier: MIT */
/*
 * Exception Syndrome Register decoding (ARM ARM D17.2.40, ESR_ELx).
 * Pure functions on values: also built into the host unit tests.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define ESR_EC_SHIFT 26
#define ESR_EC_MASK 0x3fUL
#define ESR_IL (1UL << 25)
#define ESR_ISS_MASK 0x1ffffffUL

#define EC_UNKNOWN 0x00
#define EC_WFX 0x01
#define EC_FP_ASIMD 0x07
#define EC_ILLEGAL 0x0e
#define EC_SVC64 0x15
#define EC_HVC64 0x16
#define EC_SMC64 0x17
#define EC_SYSREG 0x18
#define EC_SVE 0x19
#define EC_IABT_LOW 0x20
#define EC_IABT_CUR 0x21
#define EC_PC_ALIGN 0x22
#define EC_DABT_LOW 0x24
#define EC_DABT_CUR 0x25
#define EC_SP_ALIGN 0x26
#define EC_SERROR 0x2f
#define EC_BRK64 0x3c

/* Fault status codes (DFSC/IFSC). */
#define FSC_TRANS_FAULT_L0 0x04
#define FSC_SEA 0x10 /* synchronous external abort, not on a table walk */
#define FSC_TYPE_MASK 0x3c

static inline unsigned int esr_ec(uint64_t esr)
{
    return (unsigned int)((esr >> ESR_EC_SHIFT) & ESR_EC_MASK);
}

static inline uint32_t esr_iss(uint64_t esr)
{
    return (uint32_t)(esr & ESR_ISS_MASK);
}

/* A decoded data abort, as needed to emulate the access. */
struct esr_dabt {
    bool valid;        /* ISV: the fields below describe the access */
    bool write;        /* WnR */
    bool sign_extend;  /* SSE */
    bool reg64;        /* SF: the target register is Xn, not Wn */
    unsigned int size; /* access size in bytes: 1, 2, 4 or 8 */
    unsigned int reg;  /* SRT: transfer register, 31 = XZR */
    unsigned int fsc;  /* DFSC */
    bool s1ptw;        /* fault on a stage-1 table walk */
};

/** Decodes the ISS of a data abort taken from a lower EL. */
struct esr_dabt esr_decode_dabt(uint64_t esr);

/** Returns a short name of the exception class, for logs. */
const char *esr_ec_name(unsigned int ec);

/** Returns true when the fault status is a stage-2 translation fault. */
static inline bool esr_fsc_is_translation(unsigned int fsc)
{
    return (fsc & FSC_TYPE_MASK) == FSC_TRANS_FAULT_L0;
}

/** Builds the ESR a guest sees for an abort we inject into it. */
uint64_t esr_make_abort(bool instruction, bool same_el, bool write,
                        unsigned int fsc);
