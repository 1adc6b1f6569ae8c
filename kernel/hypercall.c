/* SPDX-License-Identifier: MIT */
/*
 * Shoji's own hypercalls. Every argument comes from the guest and is
 * checked: a buffer must lie inside the caller's RAM, lengths are clamped.
 */
#include <hv/hypercall.h>
#include <hv/vcpu.h>
#include <hv/vm.h>
#include <vmapi/shoji_hvc.h>

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

bool hypercall_handle(struct vcpu *v, uint64_t fid, const uint64_t a[6],
                      int64_t *ret)
{
    switch (fid) {
    case SHOJI_HVC_CONSOLE_WRITE:
        *ret = console_write_guest(v, a[0], a[1]);
        return true;
    case SHOJI_HVC_YIELD:
        vcpu_yield(v);
        *ret = SMCCC_RET_SUCCESS;
        return true;
    case SHOJI_HVC_VM_ID:
        *ret = (int64_t)v->vm->id;
        return true;
    case SHOJI_HVC_SHUTDOWN:
        vm_stop(v->vm, (int64_t)a[0], "shutdown hypercall");
        *ret = SMCCC_RET_SUCCESS;
        return true;
    default:
        return false;
    }
}
