/* SPDX-License-Identifier: MIT */
/*
 * SMCCC dispatch for guest HVC (and trapped SMC): Shoji's own calls
 * (vmapi/shoji_hvc.h), SMCCC version and the PSCI subset this milestone
 * implements. Every argument comes from the guest and is checked; an
 * unknown function ID returns NOT_SUPPORTED and changes nothing.
 */
#include <hv/hypercall.h>
#include <hv/vcpu.h>
#include <hv/vm.h>
#include <vmapi/shoji_hvc.h>

#define SMCCC_VERSION 0x80000000UL
#define SMCCC_VERSION_1_1 0x10001UL
#define PSCI_VERSION_1_1 0x10001UL

static int64_t console_write_guest(struct vcpu *v, uint64_t ipa, uint64_t len)
{
    struct vm *vm = v->vm;
    const char *buf;
    uint64_t i;

    if (len > SHOJI_HVC_CONSOLE_MAX) {
        len = SHOJI_HVC_CONSOLE_MAX;
    }
    buf = vm_ipa_to_ptr(vm, ipa, len);
    if (buf == NULL) {
        return SMCCC_RET_INVALID_PARAMETER;
    }
    spin_lock(&vm->uart.lock);
    for (i = 0; i < len; i++) {
        console_guest_putc(&vm->console, vm->name, buf[i]);
    }
    spin_unlock(&vm->uart.lock);
    return (int64_t)len;
}

void hypercall_dispatch(struct vcpu *v, uint64_t fid, const uint64_t a[6],
                        uint64_t ret[4])
{
    int64_t r = SMCCC_RET_NOT_SUPPORTED;

    /* SMC32/HVC32 IDs are compared on their low 32 bits. */
    if ((fid & (1UL << 30)) == 0) {
        fid &= 0xffffffffUL;
    }
    switch (fid) {
    case SHOJI_HVC_CONSOLE_WRITE:
        r = console_write_guest(v, a[0], a[1]);
        break;
    case SHOJI_HVC_YIELD:
        vcpu_yield(v);
        r = SMCCC_RET_SUCCESS;
        break;
    case SHOJI_HVC_VM_ID:
        r = (int64_t)v->vm->id;
        break;
    case SHOJI_HVC_SHUTDOWN:
        vm_stop(v->vm, (int64_t)a[0], "shutdown hypercall");
        r = SMCCC_RET_SUCCESS;
        break;
    case SMCCC_VERSION:
        r = SMCCC_VERSION_1_1;
        break;
    case PSCI_0_2_VERSION:
        r = PSCI_VERSION_1_1;
        break;
    case PSCI_0_2_SYSTEM_OFF:
        vm_stop(v->vm, 0, "PSCI SYSTEM_OFF");
        r = PSCI_RET_SUCCESS;
        break;
    default:
        break;
    }
    ret[0] = (uint64_t)r;
    ret[1] = ret[2] = ret[3] = 0;
}
