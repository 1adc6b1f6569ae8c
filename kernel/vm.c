/* SPDX-License-Identifier: MIT */
/*
 * VM creation and lifecycle. A VM's RAM is one contiguous, 2 MiB-aligned
 * range of host memory, zeroed, mapped at VM_RAM_IPA in its own stage-2;
 * nothing else of host RAM is mapped, so a guest cannot reach another
 * guest's or Shoji's memory. The kernel image is copied to the start of
 * RAM and the generated device tree to its last CONFIG_GUEST_DTB_MAX_KIB.
 */
#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/page_alloc.h>
#include <hv/printk.h>
#include <hv/vcpu.h>
#include <hv/vm.h>
#include <hv/vm_fdt.h>
#include <string.h>

static struct vm *vms[CONFIG_MAX_VMS];
static unsigned int nr_vms;
static unsigned int nr_running_vms;
static struct spinlock vms_lock = SPINLOCK_INIT;

unsigned int vm_count(void)
{
    return nr_vms;
}

unsigned int vm_running_count(void)
{
    return __atomic_load_n(&nr_running_vms, __ATOMIC_ACQUIRE);
}

bool vm_ipa_in_ram(const struct vm *vm, uint64_t ipa, uint64_t len)
{
    return ipa >= vm->ram_ipa && len <= vm->ram_size &&
           ipa - vm->ram_ipa <= vm->ram_size - len;
}

void *vm_ipa_to_ptr(const struct vm *vm, uint64_t ipa, uint64_t len)
{
    if (!vm_ipa_in_ram(vm, ipa, len)) {
        return NULL;
    }
    return (char *)pa_to_ptr(vm->ram_pa) + (ipa - vm->ram_ipa);
}

static int vm_setup_memory(struct vm *vm, const struct vm_config *cfg,
                           uint64_t *dtb_ipa)
{
    uint64_t dtb_size = (uint64_t)CONFIG_GUEST_DTB_MAX_KIB << 10;
    uint64_t pa;
    char *ram;
    int rc;

    rc = page_pool_alloc(&hv_pages, cfg->mem_size >> PAGE_SHIFT, SZ_2M, &pa);
    if (rc != 0) {
        return rc;
    }
    vm->ram_pa = pa_init(pa);
    vm->ram_ipa = VM_RAM_IPA;
    vm->ram_size = cfg->mem_size;
    ram = pa_to_ptr(vm->ram_pa);
    /* Nothing of a previous owner of these pages may leak into the guest. */
    memset(ram, 0, vm->ram_size);
    memcpy(ram, cfg->kernel, cfg->kernel_size);

    *dtb_ipa = vm->ram_ipa + vm->ram_size - dtb_size;
    rc = vm_fdt_build(cfg, ram + (*dtb_ipa - vm->ram_ipa), dtb_size);
    if (rc != 0) {
        return rc;
    }
    return arch_vm_map_ram(vm, ipa_init(vm->ram_ipa), vm->ram_pa, vm->ram_size);
}

static int vm_setup_devices(struct vm *vm, const struct vm_config *cfg)
{
    struct mmio_region r = {
        .base = VM_UART_IPA,
        .size = VPL011_SIZE,
        .dev = &vm->uart,
        .read = vpl011_read,
        .write = vpl011_write,
    };

    vpl011_init(&vm->uart, &vm->console, vm->name);
    if (!cfg->console_pl011) {
        return 0;
    }
    return mmio_add(&vm->mmio, &r);
}

int vm_create(const struct vm_config *cfg, struct vm **out)
{
    struct vm *vm;
    uint64_t dtb_ipa = 0;
    unsigned int i;
    int rc;

    if (nr_vms == CONFIG_MAX_VMS) {
        return -HV_ENOSPC;
    }
    vm = kzalloc(sizeof(*vm));
    if (vm == NULL) {
        return -HV_ENOMEM;
    }
    vm->id = nr_vms;
    memcpy(vm->name, cfg->name, sizeof(vm->name));
    vm->lock = (struct spinlock)SPINLOCK_INIT;
    vm->state = VM_RUNNING;

    rc = arch_vm_init(vm);
    if (rc == 0) {
        rc = vm_setup_memory(vm, cfg, &dtb_ipa);
    }
    if (rc == 0) {
        rc = vm_setup_devices(vm, cfg);
    }
    for (i = 0; i < cfg->nr_vcpus && rc == 0; i++) {
        rc = vcpu_create(vm, i, cfg->affinity[i], vm->ram_ipa, dtb_ipa,
                         &vm->vcpus[i]);
    }
    if (rc != 0) {
        /* The VM never ran: its pages stay reserved, nothing else leaks. */
        return rc;
    }
    vm->nr_vcpus = cfg->nr_vcpus;
    vm->nr_running_vcpus = 1;
    pr_info("vm %s: id %u, %u vCPU(s), ram ipa 0x%lx -> pa 0x%lx (%lu MiB), "
            "kernel %lu bytes",
            vm->name, vm->id, vm->nr_vcpus, (unsigned long)vm->ram_ipa,
            (unsigned long)pa_addr(vm->ram_pa),
            (unsigned long)(vm->ram_size >> 20),
            (unsigned long)cfg->kernel_size);

    spin_lock(&vms_lock);
    vms[nr_vms++] = vm;
    __atomic_add_fetch(&nr_running_vms, 1, __ATOMIC_ACQ_REL);
    spin_unlock(&vms_lock);
    /* vCPU 0 starts; the others wait for PSCI CPU_ON. */
    vcpu_wake(vm->vcpus[0]);
    *out = vm;
    return 0;
}

void vm_stop(struct vm *vm, int64_t code, const char *reason)
{
    unsigned int i;
    unsigned int left;

    spin_lock(&vm->lock);
    if (vm->state == VM_STOPPED) {
        spin_unlock(&vm->lock);
        return;
    }
    vm->state = VM_STOPPED;
    vm->exit_code = code;
    vm->exit_reason = reason;
    spin_unlock(&vm->lock);

    spin_lock(&vm->uart.lock);
    console_guest_flush(&vm->console, vm->name);
    spin_unlock(&vm->uart.lock);
    pr_info("vm %s stopped: %s, exit code %ld", vm->name, reason, (long)code);
    for (i = 0; i < vm->nr_vcpus; i++) {
        vcpu_stop(vm->vcpus[i]);
    }
    left = __atomic_sub_fetch(&nr_running_vms, 1, __ATOMIC_ACQ_REL);
    if (left == 0) {
        pr_info("all VMs stopped, powering off");
        arch_system_off();
    }
}
