/* SPDX-License-Identifier: MIT */
/*
 * SMCCC dispatch; see asm/smccc.h. A function ID nobody implements returns
 * NOT_SUPPORTED in x0 and has no other effect, whatever its arguments.
 */
#include <asm/smccc.h>
#include <hv/hypercall.h>
#include <hv/vcpu.h>
#include <vmapi/shoji_hvc.h>

static int64_t smccc_arch(uint64_t fid, const uint64_t a[6])
{
    switch (fid) {
    case SMCCC_VERSION:
        return SMCCC_VERSION_1_1;
    case SMCCC_ARCH_FEATURES:
        /* Only SMCCC_VERSION itself is discoverable so far. */
        return (a[0] & 0xffffffffUL) == SMCCC_VERSION
                   ? SMCCC_RET_SUCCESS
                   : SMCCC_RET_NOT_SUPPORTED;
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
