/* SPDX-License-Identifier: MIT */
/*
 * The PSCI interface a guest sees (DEN0022): version and system power-off
 * for now; CPU_ON/OFF, AFFINITY_INFO and SYSTEM_RESET come with SMP Linux
 * guests.
 */
#include <asm/smccc.h>
#include <hv/vcpu.h>
#include <hv/vm.h>

#define PSCI_VERSION 0x84000000UL
#define PSCI_FEATURES 0x8400000aUL
#define PSCI_SYSTEM_OFF 0x84000008UL
#define PSCI_VERSION_1_1 0x10001L
#define PSCI_RET_SUCCESS 0L
#define PSCI_RET_NOT_SUPPORTED (-1L)

static bool vpsci_implemented(uint64_t fid)
{
    return fid == PSCI_VERSION || fid == PSCI_FEATURES ||
           fid == PSCI_SYSTEM_OFF;
}

int vpsci_handle(struct vcpu *v, uint64_t fid, const uint64_t a[6],
                 int64_t *ret)
{
    switch (fid) {
    case PSCI_VERSION:
        *ret = PSCI_VERSION_1_1;
        return 1;
    case PSCI_FEATURES:
        *ret = vpsci_implemented(a[0] & 0xffffffffUL)
                   ? PSCI_RET_SUCCESS
                   : PSCI_RET_NOT_SUPPORTED;
        return 1;
    case PSCI_SYSTEM_OFF:
        vm_stop(v->vm, 0, "PSCI SYSTEM_OFF");
        *ret = PSCI_RET_SUCCESS;
        return 1;
    default:
        return 0;
    }
}
