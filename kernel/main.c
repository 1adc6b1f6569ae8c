/* SPDX-License-Identifier: MIT */
/*
 * Generic boot: the page allocator over host RAM, the host's own disks
 * and NICs, the setup description, the scheduler, the VMs, then the
 * secondary CPUs, and every CPU enters its scheduler loop.
 */
#include <drivers/blkdev.h>
#include <drivers/netdev.h>
#include <hv/arch.h>
#include <hv/config.h>
#include <hv/errno.h>
#include <hv/kernel.h>
#include <hv/page_alloc.h>
#include <hv/printk.h>
#include <hv/selftest.h>
#include <hv/trace.h>
#include <hv/vcpu.h>
#include <hv/vm.h>
#include <string.h>

/* Largest host RAM the page bitmap covers (static, in BSS). */
#define HV_MAX_RAM (4UL << 30)

static uint64_t page_bitmap[HV_MAX_RAM / PAGE_SIZE / 64];
static struct setup_config setup;
static volatile unsigned int cpus_online;

int vcpu_sched_init(const char *policy, unsigned int nr_cpus);

static void mem_init(const void *dtb, const struct host_info *info)
{
    uint64_t size = MIN(info->ram_size, HV_MAX_RAM);
    uint64_t image = (uint64_t)(uintptr_t)__image_start;

    if (size < info->ram_size) {
        pr_warn("using %lu of %lu MiB of RAM", (unsigned long)(size >> 20),
                (unsigned long)(info->ram_size >> 20));
    }
    page_pool_init(&hv_pages, info->ram_base, size, page_bitmap);
    /* Below the image: the boot loader's stub; then the image itself. */
    page_pool_reserve(&hv_pages, info->ram_base,
                      (uint64_t)(uintptr_t)__image_end - info->ram_base);
    page_pool_reserve(&hv_pages, (uint64_t)(uintptr_t)dtb, info->dtb_size);
    if (info->initrd_end > info->initrd_start) {
        page_pool_reserve(&hv_pages, info->initrd_start,
                          info->initrd_end - info->initrd_start);
    }
    pr_info("memory: %lu MiB at 0x%lx, image 0x%lx-0x%lx, %lu MiB free",
            (unsigned long)(size >> 20), (unsigned long)info->ram_base,
            (unsigned long)image, (unsigned long)(uintptr_t)__image_end,
            (unsigned long)((hv_pages.free_pages * PAGE_SIZE) >> 20));
}

static void report_config_error(void *ctx, const char *msg)
{
    pr_err("%s", msg);
}

static void start_secondaries(void)
{
    unsigned int n = arch_cpu_count();
    unsigned int cpu;

    cpus_online = 1;
    for (cpu = 1; cpu < n; cpu++) {
        int rc = arch_cpu_start(cpu);

        if (rc != 0) {
            pr_err("cpu%u: failed to start (%s)", cpu, hv_strerror(rc));
            continue;
        }
        while (cpus_online < cpu + 1) {
            /* wait, so the CPUs come up one at a time */
        }
    }
    pr_info("%u CPU(s) online", cpus_online);
}

void kernel_main(const void *dtb, const struct host_info *info)
{
    char policy[16];
    unsigned int i;
    int rc;

    pr_info("Shoji hypervisor, %u CPU(s), console at 0x%lx", arch_cpu_count(),
            (unsigned long)info->uart_base);
    mem_init(dtb, info);
    if (IS_ENABLED(CONFIG_VIRTIO_BLK_PHYS)) {
        virtio_blk_phys_probe(dtb);
    }
    if (IS_ENABLED(CONFIG_VIRTIO_NET_PHYS)) {
        virtio_net_phys_probe(dtb);
    }
    if (IS_ENABLED(CONFIG_DEBUG_SELFTEST)) {
        selftest_run(info);
    }

    if (info->initrd_end <= info->initrd_start) {
        pr_err("no setup description: pass a compiled configs/*.dts as "
               "the initrd");
        pr_info("all VMs stopped, powering off");
        arch_system_off();
    }
    rc = config_parse((const void *)(uintptr_t)info->initrd_start,
                      info->initrd_end - info->initrd_start, arch_cpu_count(),
                      &setup, report_config_error, NULL);
    if (rc < 0) {
        pr_err("setup description unusable");
    } else if (rc > 0) {
        pr_err("%d error(s) in the setup description; those VMs are not "
               "started",
               rc);
    }

    strcpy(policy, CONFIG_SCHED_DEFAULT);
    if (setup.scheduler[0] != '\0') {
        strcpy(policy, setup.scheduler);
    }
    host_dt_bootarg(info, "sched", policy, sizeof(policy));
    trace_init(info, arch_cpu_count());
    if (vcpu_sched_init(policy, arch_cpu_count()) != 0) {
        setup.nr_vms = 0;
    }

    for (i = 0; i < setup.nr_vms; i++) {
        struct vm *vm;

        rc = vm_create(&setup.vms[i], &vm);
        if (rc == -HV_ENOMEM) {
            pr_err("vm %s: not started: needs %lu MiB of RAM, %lu MiB free",
                   setup.vms[i].name,
                   (unsigned long)(setup.vms[i].mem_size >> 20),
                   (unsigned long)((hv_pages.free_pages * PAGE_SIZE) >> 20));
        } else if (rc != 0) {
            pr_err("vm %s: not started: %s", setup.vms[i].name,
                   hv_strerror(rc));
        }
    }
    if (vm_count() == 0) {
        pr_err("no VM to run");
        pr_info("all VMs stopped, powering off");
        arch_system_off();
    }
    start_secondaries();
    vcpu_run_loop();
}

void kernel_secondary_main(unsigned int cpu)
{
    __atomic_add_fetch(&cpus_online, 1, __ATOMIC_RELEASE);
    vcpu_run_loop();
}
