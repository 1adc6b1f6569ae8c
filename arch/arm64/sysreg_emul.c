/* SPDX-License-Identifier: MIT */
/*
 * Emulation of the system-register accesses a guest traps on (EC 0x18):
 *  - the ID registers (HCR_EL2.TID3), sanitised to what Shoji virtualises:
 *    no SVE/SME, MTE, pointer authentication, PMU, SPE, trace, AMU, RAS,
 *    MPAM, nested virtualisation, AArch32, whose state it does not switch;
 *  - ICC_SGI1R/ASGI1R/SGI0R_EL1: SGIs between the VM's vCPUs;
 *  - CNTP_*_EL0: the emulated EL1 physical timer;
 *  - debug registers (MDCR_EL2.TDA/TDOSA/TDRA) and ACTLR_EL1 (TACR):
 *    read as zero, writes ignored, so no debug state leaks between VMs.
 * Anything else (PMU registers, implementation-defined registers) is not
 * handled: the caller injects an undefined-instruction exception.
 */
#include <asm/esr.h>
#include <asm/sysreg.h>
#include <asm/vgic_v3.h>
#include <asm/vptimer.h>
#include <hv/vcpu.h>

#define KEY(op0, op1, crn, crm, op2)                                           \
    (((op0) << 14) | ((op1) << 11) | ((crn) << 7) | ((crm) << 3) | (op2))

#define F(hi, lo) (((~0UL) >> (63 - (hi))) & ~((1UL << (lo)) - 1))

struct id_reg {
    unsigned int key;
    uint64_t keep; /* fields passed through; the rest reads as zero */
    uint64_t set;  /* fields forced to a value */
};

/*
 * Per ID register, the fields a guest sees (ARM DDI 0487, D19.2). Fields
 * not listed read as 0 ("not implemented").
 */
static const struct id_reg id_regs[] = {
    /* ID_AA64PFR0_EL1: EL0/EL1 AArch64 only, no EL2/EL3, FP, AdvSIMD,
     * GIC system registers, DIT, CSV2, CSV3. No RAS, SVE, SEL2, MPAM, AMU,
     * RME. */
    {KEY(3, 0, 0, 4, 0), F(27, 16) | F(51, 48) | F(63, 56), 0x11},
    /* ID_AA64PFR1_EL1: BT, SSBS, CSV2_frac. No MTE, SME, NMI, GCS. */
    {KEY(3, 0, 0, 4, 1), F(7, 0) | F(35, 32), 0},
    /* ID_AA64DFR0_EL1: DebugVer, BRPs, WRPs, CTX_CMPs, DoubleLock. No PMU,
     * SPE, trace, TRBE, BRBE. */
    {KEY(3, 0, 0, 5, 0),
     F(3, 0) | F(15, 12) | F(23, 20) | F(31, 28) | F(39, 36), 0},
    /* ID_AA64ISAR0_EL1: everything but TME. */
    {KEY(3, 0, 0, 6, 0), ~F(27, 24), 0},
    /* ID_AA64ISAR1_EL1: no pointer authentication (keys not switched),
     * no LS64. */
    {KEY(3, 0, 0, 6, 1), ~(F(11, 4) | F(31, 24) | F(63, 60)), 0},
    /* ID_AA64ISAR2_EL1: RPRES, BC, CLRBHB only. */
    {KEY(3, 0, 0, 6, 2), F(7, 4) | F(23, 20) | F(31, 28), 0},
    /* ID_AA64MMFR0_EL1: all but PARange (set to 36 bits: the guest's
     * 39-bit IPA space rounded down) and FGT. */
    {KEY(3, 0, 0, 7, 0), ~(F(3, 0) | F(59, 56)), 0x1},
    /* ID_AA64MMFR1_EL1: no VHE, TWED, HCX, TIDCP1. */
    {KEY(3, 0, 0, 7, 1), ~(F(11, 8) | F(35, 32) | F(43, 40) | F(55, 52)), 0},
    /* ID_AA64MMFR2_EL1: no nested virtualisation, no EVT. */
    {KEY(3, 0, 0, 7, 2), ~(F(27, 24) | F(59, 56)), 0},
};

static uint64_t id_reg_raw(unsigned int key)
{
    switch (key) {
    case KEY(3, 0, 0, 4, 0):
        return SYSREG_READ(S3_0_C0_C4_0);
    case KEY(3, 0, 0, 4, 1):
        return SYSREG_READ(S3_0_C0_C4_1);
    case KEY(3, 0, 0, 5, 0):
        return SYSREG_READ(S3_0_C0_C5_0);
    case KEY(3, 0, 0, 6, 0):
        return SYSREG_READ(S3_0_C0_C6_0);
    case KEY(3, 0, 0, 6, 1):
        return SYSREG_READ(S3_0_C0_C6_1);
    case KEY(3, 0, 0, 6, 2):
        return SYSREG_READ(S3_0_C0_C6_2);
    case KEY(3, 0, 0, 7, 0):
        return SYSREG_READ(S3_0_C0_C7_0);
    case KEY(3, 0, 0, 7, 1):
        return SYSREG_READ(S3_0_C0_C7_1);
    case KEY(3, 0, 0, 7, 2):
        return SYSREG_READ(S3_0_C0_C7_2);
    default:
        return 0;
    }
}

uint64_t sysreg_id_value(unsigned int key);

/* The value a guest reads from ID register key (0 for unknown ones). */
uint64_t sysreg_id_value(unsigned int key)
{
    unsigned int i;

    for (i = 0; i < sizeof(id_regs) / sizeof(id_regs[0]); i++) {
        if (id_regs[i].key == key) {
            return (id_reg_raw(key) & id_regs[i].keep) | id_regs[i].set;
        }
    }
    return 0;
}

bool sysreg_emulate(struct vcpu *v, uint64_t esr);

bool sysreg_emulate(struct vcpu *v, uint64_t esr)
{
    uint32_t iss = esr_iss(esr);
    unsigned int op0 = (iss >> 20) & 3;
    unsigned int op2 = (iss >> 17) & 7;
    unsigned int op1 = (iss >> 14) & 7;
    unsigned int crn = (iss >> 10) & 0xf;
    unsigned int rt = (iss >> 5) & 0x1f;
    unsigned int crm = (iss >> 1) & 0xf;
    bool read = iss & 1;
    unsigned int key = KEY(op0, op1, crn, crm, op2);
    uint64_t *x = v->arch.regs.x;
    uint64_t val = rt == 31 ? 0 : x[rt];
    bool handled = true;

    if (op0 == 3 && op1 == 0 && crn == 0 && crm >= 1 && crm <= 7) {
        /* ID registers: read-only. */
        if (!read) {
            return false;
        }
        val = sysreg_id_value(key);
    } else if (op0 == 3 && op1 == 0 && crn == 12 && crm == 11 && op2 >= 5 &&
               !read) {
        vgic_send_sgi(v, val); /* SGI1R, ASGI1R, SGI0R */
    } else if (op0 == 3 && op1 == 3 && crn == 14 && crm == 2 && op2 <= 2) {
        vptimer_access(v, op2, read, &val);
    } else if (op0 == 2 || key == KEY(3, 0, 1, 0, 1)) {
        val = 0; /* debug registers, ACTLR_EL1: RAZ/WI */
    } else {
        handled = false;
    }
    if (!handled) {
        return false;
    }
    if (read && rt != 31) {
        x[rt] = val;
    }
    v->arch.regs.pc += 4;
    return true;
}
