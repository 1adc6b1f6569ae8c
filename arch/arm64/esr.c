/* SPDX-License-Identifier: MIT */
/* ESR decoding helpers; see asm/esr.h. */
#include <asm/esr.h>

struct esr_dabt esr_decode_dabt(uint64_t esr)
{
    uint32_t iss = esr_iss(esr);
    struct esr_dabt d;

    d.valid = (iss >> 24) & 1;
    d.size = 1U << ((iss >> 22) & 3);
    d.sign_extend = (iss >> 21) & 1;
    d.reg = (iss >> 16) & 0x1f;
    d.reg64 = (iss >> 15) & 1;
    d.s1ptw = (iss >> 7) & 1;
    d.write = (iss >> 6) & 1;
    d.fsc = iss & 0x3f;
    if (!d.valid) {
        d.size = 0;
        d.reg = 0;
        d.sign_extend = false;
        d.reg64 = false;
    }
    return d;
}

const char *esr_ec_name(unsigned int ec)
{
    switch (ec) {
    case EC_UNKNOWN:
        return "unknown";
    case EC_WFX:
        return "WFI/WFE";
    case EC_FP_ASIMD:
        return "FP/SIMD access";
    case EC_ILLEGAL:
        return "illegal execution state";
    case EC_SVC64:
        return "SVC";
    case EC_HVC64:
        return "HVC";
    case EC_SMC64:
        return "SMC";
    case EC_SYSREG:
        return "system register access";
    case EC_SVE:
        return "SVE access";
    case EC_IABT_LOW:
        return "instruction abort (lower EL)";
    case EC_IABT_CUR:
        return "instruction abort (same EL)";
    case EC_PC_ALIGN:
        return "PC alignment";
    case EC_DABT_LOW:
        return "data abort (lower EL)";
    case EC_DABT_CUR:
        return "data abort (same EL)";
    case EC_SP_ALIGN:
        return "SP alignment";
    case EC_SERROR:
        return "SError";
    case EC_BRK64:
        return "BRK";
    default:
        return "other";
    }
}

uint64_t esr_make_abort(bool instruction, bool same_el, bool write,
                        unsigned int fsc)
{
    unsigned int ec;
    uint64_t iss = fsc & 0x3f;

    if (instruction) {
        ec = same_el ? EC_IABT_CUR : EC_IABT_LOW;
    } else {
        ec = same_el ? EC_DABT_CUR : EC_DABT_LOW;
        if (write) {
            iss |= 1UL << 6;
        }
    }
    return ((uint64_t)ec << ESR_EC_SHIFT) | ESR_IL | iss;
}
