/* SPDX-License-Identifier: MIT */
/*
 * VM creation and lifecycle.
 *
 * A VM's RAM is one contiguous, 2 MiB-aligned range of host memory mapped
 * at VM_RAM_IPA in its own stage-2; nothing else of host RAM is mapped, so
 * a guest cannot reach another guest's or Shoji's memory. Each boot
 * (first boot and every reset) zeroes that RAM, so nothing of a previous
 * run leaks, and loads it as the Linux arm64 boot protocol expects:
 *
 *   RAM base + image offset   the kernel image (offset and span from its
 *                             header, see arch_image_layout())
 *   below the device tree     the initrd, if any, page aligned
 *   RAM top - 64 KiB          the generated device tree, passed in x0
 */
#include <drivers/virtio_blk_backend.h>
#include <drivers/virtio_console.h>
#include <drivers/virtio_net_backend.h>
#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/page_alloc.h>
#include <hv/printk.h>
#include <hv/trace.h>
#include <hv/vcpu.h>
#include <hv/vm.h>
#include <hv/vm_fdt.h>
#include <string.h>

#define VM_DTB_SIZE ((uint64_t)CONFIG_GUEST_DTB_MAX_KIB << 10)

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

/* Zeroes the VM's RAM and loads kernel, initrd and device tree. */
static int vm_load(struct vm *vm)
{
    const struct vm_config *cfg = vm->cfg;
    char *ram = pa_to_ptr(vm->ram_pa);
    struct vm_boot boot = {
        .cfg = cfg,
        .ram_ipa = vm->ram_ipa,
        .ram_size = vm->ram_size,
        .boot_count = vm->boots,
    };
    uint64_t offset;
    uint64_t span;
    uint64_t dtb_off = vm->ram_size - VM_DTB_SIZE;
    int rc;

    rc = arch_image_layout(cfg->kernel, cfg->kernel_size, &offset, &span);
    if (rc != 0) {
        pr_err("vm %s: kernel image header is malformed", vm->name);
        return rc;
    }
    if (offset > dtb_off || span > dtb_off - offset) {
        pr_err("vm %s: kernel needs 0x%lx bytes at offset 0x%lx, RAM has "
               "0x%lx",
               vm->name, (unsigned long)span, (unsigned long)offset,
               (unsigned long)dtb_off);
        return -HV_E2BIG;
    }
    if (cfg->initrd != NULL) {
        uint64_t at = ALIGN_DOWN(dtb_off - cfg->initrd_size, PAGE_SIZE);

        if (cfg->initrd_size > dtb_off || at < offset + span) {
            pr_err("vm %s: kernel and initrd do not fit in %lu MiB", vm->name,
                   (unsigned long)(vm->ram_size >> 20));
            return -HV_E2BIG;
        }
        boot.initrd_ipa = vm->ram_ipa + at;
        boot.initrd_size = cfg->initrd_size;
    }

    /* Nothing of a previous owner or run of these pages may leak. Pages
     * never handed out since a boot that zero-filled RAM hold nothing. */
    if (!(IS_ENABLED(CONFIG_BOOT_RAM_ZEROED) && vm->boots == 1 &&
          !hv_pages.recycled)) {
        arch_zero_pages(ram, vm->ram_size);
    }
    memcpy(ram + offset, cfg->kernel, cfg->kernel_size);
    if (cfg->initrd != NULL) {
        memcpy(ram + (boot.initrd_ipa - vm->ram_ipa), cfg->initrd,
               cfg->initrd_size);
    }
    rc = arch_vm_build_dt(vm, &boot, ram + dtb_off, VM_DTB_SIZE);
    if (rc != 0) {
        pr_err("vm %s: cannot build its device tree: %s", vm->name,
               hv_strerror(rc));
        return rc;
    }
    /* The guest starts with its MMU and caches off. */
    arch_clean_dcache(ram, vm->ram_size);
    vm->entry = vm->ram_ipa + offset;
    vm->dtb_ipa = vm->ram_ipa + dtb_off;
    return 0;
}

static void *vm_virtio_translate(void *ctx, uint64_t gpa, uint64_t len)
{
    return vm_ipa_to_ptr(ctx, gpa, len);
}

/* The guest's virtio-blk: a region of a host disk no other VM has. */
static int vm_setup_virtio_blk(struct vm *vm, const struct vm_virtio *cfg,
                               unsigned int spi, const struct virtq_mem *mem,
                               struct virtio_dev **out)
{
    struct blkdev *disk = blkdev_get(cfg->disk);
    struct virtio_blk_backend *b;
    int rc;

    if (disk == NULL) {
        pr_err("vm %s: virtio-blk: no host disk %u (there are %u)", vm->name,
               cfg->disk, blkdev_count());
        return -HV_ENOENT;
    }
    rc = virtio_blk_claim(disk, cfg->offset / 512, cfg->size / 512, vm->name);
    if (rc != 0) {
        return rc;
    }
    b = kzalloc(sizeof(*b));
    if (b == NULL) {
        return -HV_ENOMEM;
    }
    virtio_blk_backend_init(b, vm, spi, mem, disk, cfg->offset / 512,
                            cfg->size / 512);
    pr_info("vm %s: virtio-blk: %s sectors %lu..%lu", vm->name,
            blkdev_name(disk), (unsigned long)(cfg->offset / 512),
            (unsigned long)((cfg->offset + cfg->size) / 512 - 1));
    *out = &b->dev;
    return 0;
}

/* The guest's virtio-net, on the host switch, with a MAC of its own. */
static int vm_setup_virtio_net(struct vm *vm, const uint8_t *mac,
                               unsigned int spi, const struct virtq_mem *mem,
                               struct virtio_dev **out)
{
    struct virtio_net_backend *n;
    int rc = virtio_net_claim_mac(mac, vm->name);

    if (rc != 0) {
        return rc;
    }
    n = kzalloc(sizeof(*n));
    if (n == NULL) {
        return -HV_ENOMEM;
    }
    rc = virtio_net_backend_init(n, vm, spi, mem, mac, virtio_net_switch());
    if (rc != 0) {
        return rc;
    }
    pr_info("vm %s: virtio-net: %02x:%02x:%02x:%02x:%02x:%02x", vm->name,
            mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    *out = &n->dev;
    return 0;
}

/* Creates the device of slot i and maps its registers. */
static int vm_setup_virtio(struct vm *vm, unsigned int i)
{
    const struct virtq_mem mem = {vm_virtio_translate, vm};
    struct virtio_console *con;
    int rc;
    struct mmio_region r = {
        .base = VM_VIRTIO_IPA + i * VM_VIRTIO_STRIDE,
        .size = VM_VIRTIO_STRIDE,
        .read = virtio_dev_read,
        .write = virtio_dev_write,
    };

    switch (vm->cfg->virtio[i].type) {
    case VM_VIRTIO_CONSOLE:
        con = kzalloc(sizeof(*con));
        if (con == NULL) {
            return -HV_ENOMEM;
        }
        virtio_console_init(con, vm, VM_VIRTIO_SPI + i, &mem, vm->name);
        vm->virtio[i] = &con->dev;
        break;
    case VM_VIRTIO_BLK:
        rc = vm_setup_virtio_blk(vm, &vm->cfg->virtio[i], VM_VIRTIO_SPI + i,
                                 &mem, &vm->virtio[i]);
        if (rc != 0) {
            return rc;
        }
        break;
    case VM_VIRTIO_NET:
        rc = vm_setup_virtio_net(vm, vm->cfg->virtio[i].mac, VM_VIRTIO_SPI + i,
                                 &mem, &vm->virtio[i]);
        if (rc != 0) {
            return rc;
        }
        break;
    default:
        return -HV_EINVAL;
    }
    r.dev = vm->virtio[i];
    return mmio_add(&vm->mmio, &r);
}

static int vm_setup_devices(struct vm *vm)
{
    struct mmio_region r = {
        .base = VM_UART_IPA,
        .size = VPL011_SIZE,
        .dev = &vm->uart,
        .read = vpl011_read,
        .write = vpl011_write,
    };
    int rc;

    vpl011_init(&vm->uart, vm, &vm->console, vm->name);
    if (vm->cfg->console_pl011) {
        rc = mmio_add(&vm->mmio, &r);
        if (rc != 0) {
            return rc;
        }
    }
    for (unsigned int i = 0; i < vm->cfg->nr_virtio; i++) {
        rc = vm_setup_virtio(vm, i);
        if (rc != 0) {
            return rc;
        }
    }
    return arch_vm_finalize(vm);
}

int vm_create(const struct vm_config *cfg, struct vm **out)
{
    struct vm *vm;
    uint64_t pa;
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
    vm->cfg = cfg;
    memcpy(vm->name, cfg->name, sizeof(vm->name));
    vm->lock = (struct spinlock)SPINLOCK_INIT;
    vm->state = VM_RUNNING;
    vm->boots = 1;
    vm->ram_ipa = VM_RAM_IPA;
    vm->ram_size = cfg->mem_size;

    rc = page_pool_alloc(&hv_pages, cfg->mem_size >> PAGE_SHIFT, SZ_2M, &pa);
    if (rc != 0) {
        return rc;
    }
    /* From here on a failure leaves the pages reserved: the VM never ran,
     * so nothing leaks, and boot-time failures are rare. */
    vm->ram_pa = pa_init(pa);
    rc = arch_vm_init(vm);
    if (rc == 0) {
        rc = arch_vm_map_ram(vm, ipa_init(vm->ram_ipa), vm->ram_pa,
                             vm->ram_size);
    }
    for (i = 0; i < cfg->nr_vcpus && rc == 0; i++) {
        rc = vcpu_create(vm, i, cfg->affinity[i], cfg->cpus_allowed[i],
                         &vm->vcpus[i]);
        if (rc == 0) {
            vm->nr_vcpus++;
            arch_vcpu_create(vm->vcpus[i]);
        }
    }
    if (rc == 0) {
        rc = vcpu_sched_configure(vm);
    }
    if (rc == 0) {
        rc = vm_setup_devices(vm);
    }
    if (rc == 0) {
        rc = vm_load(vm);
    }
    if (rc != 0) {
        return rc;
    }
    pr_info(
        "vm %s: id %u, %u vCPU(s), ram ipa 0x%lx -> pa 0x%lx (%lu MiB), "
        "kernel %lu bytes%s",
        vm->name, vm->id, vm->nr_vcpus, (unsigned long)vm->ram_ipa,
        (unsigned long)pa_addr(vm->ram_pa), (unsigned long)(vm->ram_size >> 20),
        (unsigned long)cfg->kernel_size, cfg->initrd != NULL ? ", initrd" : "");

    spin_lock(&vms_lock);
    vms[nr_vms++] = vm;
    __atomic_add_fetch(&nr_running_vms, 1, __ATOMIC_ACQ_REL);
    spin_unlock(&vms_lock);
    vcpu_power_on(vm->vcpus[0], vm->entry, vm->dtb_ipa);
    *out = vm;
    return 0;
}

static void vm_flush_console(struct vm *vm)
{
    spin_lock(&vm->uart.lock);
    console_guest_flush(&vm->console, vm->name);
    spin_unlock(&vm->uart.lock);
}

/* Exits of all vCPUs by cause (read racily: vCPUs may still run). */
static void vm_print_exits(const struct vm *vm)
{
    uint64_t n[VCPU_EXIT_KINDS] = {0};
    unsigned int i, k;

    for (i = 0; i < vm->nr_vcpus; i++) {
        for (k = 0; k < VCPU_EXIT_KINDS; k++) {
            n[k] += __atomic_load_n(&vm->vcpus[i]->exits[k], __ATOMIC_RELAXED);
        }
    }
    pr_info("vm %s: exits: irq %lu, wfx %lu, mmio %lu, call %lu, sysreg %lu, "
            "other %lu",
            vm->name, (unsigned long)n[VCPU_EXIT_IRQ],
            (unsigned long)n[VCPU_EXIT_WFX], (unsigned long)n[VCPU_EXIT_MMIO],
            (unsigned long)n[VCPU_EXIT_CALL],
            (unsigned long)n[VCPU_EXIT_SYSREG],
            (unsigned long)n[VCPU_EXIT_OTHER]);
}

/* Each VM's device counters, once every VM stopped. */
static void vm_report_devices(void)
{
    unsigned int i, k;

    for (i = 0; i < nr_vms; i++) {
        for (k = 0; k < vms[i]->cfg->nr_virtio; k++) {
            struct virtio_dev *d = vms[i]->virtio[k];

            if (d->ops->report != NULL) {
                d->ops->report(d);
            }
        }
    }
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

    vm_flush_console(vm);
    pr_info("vm %s stopped: %s, exit code %ld, after %u boot(s)", vm->name,
            reason, (long)code, vm->boots);
    vm_print_exits(vm);
    for (i = 0; i < vm->nr_vcpus; i++) {
        vcpu_stop(vm->vcpus[i]);
    }
    /* Its devices stop with it, as on a reset by its driver: frames for it
     * are dropped at its switch port instead of filling its buffers, and
     * no disk request completes into its RAM any more. */
    for (i = 0; i < vm->cfg->nr_virtio; i++) {
        virtio_dev_reset(vm->virtio[i]);
    }
    left = __atomic_sub_fetch(&nr_running_vms, 1, __ATOMIC_ACQ_REL);
    if (left == 0) {
        vm_report_devices();
        trace_dump();
        pr_info("all VMs stopped, powering off");
        arch_system_off();
    }
}

void vm_reset(struct vm *vm, const char *reason)
{
    unsigned int i;

    spin_lock(&vm->lock);
    if (vm->state != VM_RUNNING) {
        spin_unlock(&vm->lock);
        return;
    }
    vm->state = VM_RESETTING;
    __atomic_store_n(&vm->reset_claimed, false, __ATOMIC_SEQ_CST);
    spin_unlock(&vm->lock);

    vm_flush_console(vm);
    pr_info("vm %s: reset: %s", vm->name, reason);
    for (i = 0; i < vm->nr_vcpus; i++) {
        vcpu_stop(vm->vcpus[i]);
    }
    vm_reset_progress(vm);
}

void vm_reset_progress(struct vm *vm)
{
    bool expected = false;
    unsigned int i;
    int rc;

    if (__atomic_load_n(&vm->state, __ATOMIC_SEQ_CST) != VM_RESETTING) {
        return;
    }
    for (i = 0; i < vm->nr_vcpus; i++) {
        if (__atomic_load_n(&vm->vcpus[i]->loaded, __ATOMIC_SEQ_CST)) {
            return; /* its CPU finishes the reset when it puts it */
        }
    }
    for (i = 0; i < vm->cfg->nr_virtio; i++) {
        const struct virtio_dev *d = vm->virtio[i];

        if (d->ops->busy != NULL && d->ops->busy(vm->virtio[i])) {
            return; /* DMA in flight: the device calls again when idle */
        }
    }
    if (!__atomic_compare_exchange_n(&vm->reset_claimed, &expected, true, false,
                                     __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
        return;
    }
    /* No vCPU of the VM runs anywhere: reload it from scratch. */
    arch_vm_reset(vm);
    for (i = 0; i < vm->nr_vcpus; i++) {
        __atomic_store_n(&vm->vcpus[i]->state, VCPU_OFF, __ATOMIC_SEQ_CST);
    }
    vpl011_init(&vm->uart, vm, &vm->console, vm->name);
    for (i = 0; i < vm->cfg->nr_virtio; i++) {
        virtio_dev_reset(vm->virtio[i]);
    }
    vm->boots++;
    rc = vm_load(vm);
    if (rc != 0) {
        vm->state = VM_RUNNING; /* so that vm_stop() accounts for it */
        vm_stop(vm, -1, "reset failed: cannot reload the images");
        return;
    }
    spin_lock(&vm->lock);
    vm->state = VM_RUNNING;
    spin_unlock(&vm->lock);
    pr_info("vm %s: boot %u", vm->name, vm->boots);
    vcpu_power_on(vm->vcpus[0], vm->entry, vm->dtb_ipa);
}
