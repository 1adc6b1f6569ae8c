/* SPDX-License-Identifier: MIT */
/*
 * The PSCI 1.1 interface a guest sees (DEN0022): VERSION, FEATURES,
 * CPU_ON, CPU_OFF, AFFINITY_INFO, MIGRATE_INFO_TYPE, SYSTEM_OFF and
 * SYSTEM_RESET, in their SMC32 and SMC64 forms. A vCPU's MPIDR is its
 * index in Aff0 (VMPIDR_EL2), so target MPIDRs map to vCPU indexes.
 */
#include <asm/smccc.h>
#include <hv/errno.h>
#include <hv/vcpu.h>
#include <hv/vm.h>

#define PSCI_VERSION 0x84000000UL
#define PSCI_CPU_OFF 0x84000002UL
#define PSCI_CPU_ON_32 0x84000003UL
#define PSCI_CPU_ON_64 0xc4000003UL
#define PSCI_AFFINITY_INFO_32 0x84000004UL
#define PSCI_AFFINITY_INFO_64 0xc4000004UL
#define PSCI_MIGRATE_INFO_TYPE 0x84000006UL
#define PSCI_SYSTEM_OFF 0x84000008UL
#define PSCI_SYSTEM_RESET 0x84000009UL
#define PSCI_FEATURES 0x8400000aUL

#define PSCI_VERSION_1_1 0x10001L
#define PSCI_SUCCESS 0L
#define PSCI_NOT_SUPPORTED (-1L)
#define PSCI_INVALID_PARAMETERS (-2L)
#define PSCI_ALREADY_ON (-4L)
#define PSCI_ON_PENDING (-5L)
#define PSCI_TOS_NOT_PRESENT 2L
#define PSCI_AFF_ON 0L
#define PSCI_AFF_OFF 1L
#define PSCI_AFF_ON_PENDING 2L

static bool vpsci_implemented(uint64_t fid)
{
    switch (fid) {
    case SMCCC_VERSION: /* how a guest learns SMCCC 1.1 is there */
    case PSCI_VERSION:
    case PSCI_CPU_OFF:
    case PSCI_CPU_ON_32:
    case PSCI_CPU_ON_64:
    case PSCI_AFFINITY_INFO_32:
    case PSCI_AFFINITY_INFO_64:
    case PSCI_MIGRATE_INFO_TYPE:
    case PSCI_SYSTEM_OFF:
    case PSCI_SYSTEM_RESET:
    case PSCI_FEATURES:
        return true;
    default:
        return false;
    }
}

/* The vCPU with this MPIDR (affinity fields only), or NULL. */
static struct vcpu *vcpu_by_mpidr(struct vm *vm, uint64_t mpidr)
{
    uint64_t aff = mpidr & 0xff00ffffffUL;

    if (aff >= vm->nr_vcpus) {
        return NULL;
    }
    return vm->vcpus[aff];
}

static int64_t psci_cpu_on(struct vcpu *v, uint64_t mpidr, uint64_t entry,
                           uint64_t ctx, bool is32)
{
    struct vcpu *t = vcpu_by_mpidr(v->vm, mpidr);
    int rc;

    if (is32) {
        entry &= 0xffffffffUL;
        ctx &= 0xffffffffUL;
    }
    if (t == NULL) {
        return PSCI_INVALID_PARAMETERS;
    }
    if (!vm_ipa_in_ram(v->vm, entry, 4) || (entry & 3) != 0) {
        return PSCI_INVALID_PARAMETERS; /* INVALID_ADDRESS in 1.0+ */
    }
    rc = vcpu_power_on(t, entry, ctx);
    if (rc == -HV_EAGAIN) {
        return PSCI_ON_PENDING;
    }
    return rc == 0 ? PSCI_SUCCESS : PSCI_ALREADY_ON;
}

static int64_t psci_affinity_info(struct vcpu *v, uint64_t mpidr,
                                  uint64_t level)
{
    struct vcpu *t = vcpu_by_mpidr(v->vm, mpidr);
    enum vcpu_state s;

    if (t == NULL || level != 0) {
        return PSCI_INVALID_PARAMETERS;
    }
    if (__atomic_load_n(&t->start_pending, __ATOMIC_ACQUIRE)) {
        return PSCI_AFF_ON_PENDING;
    }
    s = __atomic_load_n(&t->state, __ATOMIC_SEQ_CST);
    return (s == VCPU_RUNNABLE || s == VCPU_BLOCKED) ? PSCI_AFF_ON
                                                     : PSCI_AFF_OFF;
}

int vpsci_handle(struct vcpu *v, uint64_t fid, const uint64_t a[6],
                 int64_t *ret)
{
    switch (fid) {
    case PSCI_VERSION:
        *ret = PSCI_VERSION_1_1;
        return 1;
    case PSCI_FEATURES:
        *ret = vpsci_implemented(a[0] & 0xffffffffUL) ? PSCI_SUCCESS
                                                      : PSCI_NOT_SUPPORTED;
        return 1;
    case PSCI_CPU_ON_32:
    case PSCI_CPU_ON_64:
        *ret = psci_cpu_on(v, a[0], a[1], a[2], fid == PSCI_CPU_ON_32);
        return 1;
    case PSCI_CPU_OFF:
        vcpu_power_off(v);
        *ret = PSCI_SUCCESS; /* not seen: the vCPU does not return */
        return 1;
    case PSCI_AFFINITY_INFO_32:
    case PSCI_AFFINITY_INFO_64:
        *ret = psci_affinity_info(v, a[0], a[1]);
        return 1;
    case PSCI_MIGRATE_INFO_TYPE:
        *ret = PSCI_TOS_NOT_PRESENT;
        return 1;
    case PSCI_SYSTEM_OFF:
        vm_stop(v->vm, 0, "PSCI SYSTEM_OFF");
        *ret = PSCI_SUCCESS;
        return 1;
    case PSCI_SYSTEM_RESET:
        vm_reset(v->vm, "PSCI SYSTEM_RESET");
        *ret = PSCI_SUCCESS;
        return 1;
    default:
        return 0;
    }
}
