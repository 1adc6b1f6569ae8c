/* SPDX-License-Identifier: MIT */
/*
 * SMCCC dispatch; see asm/smccc.h. A function ID nobody implements returns
 * NOT_SUPPORTED in x0 and has no other effect, whatever its arguments.
 */
#include <asm/smccc.h>
#include <asm/sysreg.h>
#include <hv/hypercall.h>
#include <hv/vcpu.h>
#include <vmapi/shoji_hvc.h>

/*
 * ARCH_FEATURES for the Spectre workaround calls. Shoji does not implement
 * the firmware workarounds, so it only answers "not needed" when the CPU
 * says it is not affected: CSV2 (ID_AA64PFR0_EL1[59:56]) >= 1 for
 * variant 2 (WORKAROUND_1), >= 3, or ECBHB (ID_AA64MMFR1_EL1[63:60]), for
 * the branch-history variant (WORKAROUND_3). Otherwise, and for SSB
 * (WORKAROUND_2), NOT_SUPPORTED: the guest then relies on its own
 * mitigations (e.g. SSBS).
 */
static int64_t smccc_workaround_features(uint64_t id)
{
    uint64_t csv2 = (SYSREG_READ(id_aa64pfr0_el1) >> 56) & 0xf;
    uint64_t ecbhb = (SYSREG_READ(id_aa64mmfr1_el1) >> 60) & 0xf;

    switch (id) {
    case SMCCC_ARCH_WORKAROUND_1:
        return csv2 >= 1 ? SMCCC_ARCH_WORKAROUND_RET_UNAFFECTED
                         : SMCCC_RET_NOT_SUPPORTED;
    case SMCCC_ARCH_WORKAROUND_3:
        return (csv2 >= 3 || ecbhb >= 1) ? SMCCC_ARCH_WORKAROUND_RET_UNAFFECTED
                                         : SMCCC_RET_NOT_SUPPORTED;
    default:
        return SMCCC_RET_NOT_SUPPORTED;
    }
}

static int64_t smccc_arch(uint64_t fid, const uint64_t a[6])
{
    uint64_t id = a[0] & 0xffffffffUL;

    switch (fid) {
    case SMCCC_VERSION:
        return SMCCC_VERSION_1_1;
    case SMCCC_ARCH_FEATURES:
        if (id == SMCCC_VERSION || id == SMCCC_ARCH_FEATURES) {
            return SMCCC_RET_SUCCESS;
        }
        return smccc_workaround_features(id);
    default:
        return SMCCC_RET_NOT_SUPPORTED;
    }
}

void smccc_handle(struct vcpu *v)
{
    uint64_t *x = v->arch.regs.x;
    uint64_t fid = x[0];
    const uint64_t *a = &x[1];
    int64_t ret = SMCCC_RET_NOT_SUPPORTED;

    /* The function ID is w0; SMC32 calls also only use 32-bit arguments,
     * but none of the calls below depends on the upper halves. */
    fid &= 0xffffffffUL;
    switch (SMCCC_OWNER(fid)) {
    case SMCCC_OWNER_ARCH:
        ret = smccc_arch(fid, a);
        break;
    case SMCCC_OWNER_STANDARD:
        if (!vpsci_handle(v, fid, a, &ret)) {
            ret = SMCCC_RET_NOT_SUPPORTED;
        }
        break;
    case SMCCC_OWNER_VENDOR_HYP:
        if (!hypercall_handle(v, fid, a, &ret)) {
            ret = SMCCC_RET_NOT_SUPPORTED;
        }
        break;
    default:
        break;
    }
    x[0] = (uint64_t)ret;
    x[1] = 0;
    x[2] = 0;
    x[3] = 0;
}
