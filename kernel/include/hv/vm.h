/* SPDX-License-Identifier: MIT */
/*
 * Virtual machines: memory, devices, vCPUs and lifecycle.
 *
 * Locking: a VM's layout (RAM, devices, vCPUs) is fixed at creation.
 * `state`, `boots` and the exit fields change under `lock`; the console
 * line under `uart.lock`. The global VM table is only appended to at boot.
 *
 * Reset (PSCI SYSTEM_RESET): the VM goes to VM_RESETTING and all its vCPUs
 * are stopped; whichever CPU puts the last loaded one reloads the images
 * and powers vCPU 0 on again (vm_reset_progress()).
 */
#pragma once

#include <asm/vm.h>
#include <hv/config.h>
#include <hv/console.h>
#include <hv/mmio.h>
#include <hv/spinlock.h>
#include <hv/types.h>

#include <drivers/virtio_dev.h>
#include <drivers/vpl011.h>

struct vcpu;

enum vm_state {
    VM_RUNNING,
    VM_RESETTING,
    VM_STOPPED,
};

struct vm {
    unsigned int id;
    char name[VM_NAME_MAX];
    const struct vm_config *cfg; /* its description, kept for resets */
    struct spinlock lock;
    enum vm_state state;
    unsigned int boots; /* 1 on the first boot */
    bool reset_claimed; /* atomic: a CPU is carrying out the reset */
    int64_t exit_code;
    const char *exit_reason;

    uint64_t ram_ipa;
    uint64_t ram_size;
    paddr_t ram_pa;
    uint64_t entry;   /* IPA vCPU 0 starts at */
    uint64_t dtb_ipa; /* passed in x0 */

    unsigned int nr_vcpus;
    struct vcpu *vcpus[CONFIG_MAX_VCPUS_PER_VM];

    struct mmio_map mmio;
    struct vpl011 uart;
    struct console_line console;
    /* Its paravirtual devices, cfg->virtio[i] at slot i. */
    struct virtio_dev *virtio[VM_MAX_VIRTIO];

    struct arch_vm arch;
};

/** Builds and starts a VM from a validated description; 0 or -HV_E*. */
int vm_create(const struct vm_config *cfg, struct vm **out);

/** Returns true when [ipa, ipa + len) lies inside the VM's RAM. */
bool vm_ipa_in_ram(const struct vm *vm, uint64_t ipa, uint64_t len);

/** Translates a RAM IPA range to a hypervisor pointer, or NULL. */
void *vm_ipa_to_ptr(const struct vm *vm, uint64_t ipa, uint64_t len);

/**
 * Stops a VM (all its vCPUs), logging code and reason. When it was the last
 * running VM, powers the board off. May be called from any of its vCPUs.
 */
void vm_stop(struct vm *vm, int64_t code, const char *reason);

/** Restarts a VM with fresh state and freshly loaded images. */
void vm_reset(struct vm *vm, const char *reason);

/** Completes a pending reset once none of the VM's vCPUs is loaded. */
void vm_reset_progress(struct vm *vm);

/** Number of VMs created / still running. */
unsigned int vm_count(void);
unsigned int vm_running_count(void);
