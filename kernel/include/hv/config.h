/* SPDX-License-Identifier: MIT */
/*
 * Setup descriptions: a device tree blob (compiled from configs/NAME.dts)
 * that QEMU loads as the initrd. One node per VM under /vms:
 *
 *   vms { NAME { compatible = "shoji,vm"; memory-size = <hi lo>;
 *                vcpus = <n>; cpu-affinity = <pcpu...>;
 *                cpus-allowed = <mask...>;
 *                kernel = /incbin/("img"); initrd = /incbin/("rd");
 *                console = "pl011"; bootargs = "...";
 *                virtio-console; virtio-blk = <disk off-hi off-lo
 *                                               size-hi size-lo>;
 *                virtio-net = [52 54 00 12 34 57];
 *                sched-weight = <256>; sched-cap = <pct>;
 *                sched-rt-period-us = <us>; sched-rt-budget-us = <us>; };
 *      };
 *
 * cpu-affinity gives each vCPU's first pCPU (default: vCPU i on pCPU
 * i mod the pCPU count); there it stays unless cpus-allowed, one mask
 * per vCPU (bit n = pCPU n, the cpu-affinity one among them), lets the
 * credit policies' work stealing move it to another pCPU of its mask.
 * The sched-* properties are optional: weight 1..65535 (default 256) and
 * cap in percent of one CPU (0 = none) for the credit policies, and a
 * real-time reservation for credit-rt (both or neither; period 100 us to
 * 1 s, budget 1 us to the period), applied to each of the VM's vCPUs.
 * and /chosen { scheduler = "rr"; }. Parsing validates everything, so a
 * VM that is started is known to be well formed.
 */
#pragma once

#include <hv/types.h>

#define VM_NAME_MAX 32
#define VM_BOOTARGS_MAX 256
#define VM_RAM_IPA 0x40000000UL
#define VM_RAM_ALIGN (1UL << 21)
#define VM_UART_IPA 0x09000000UL
#define VM_UART_SPI 1 /* its interrupt: SPI 1, INTID 33 */
/* virtio-mmio devices: device n at VM_VIRTIO_IPA + n * VM_VIRTIO_STRIDE
 * raising SPI VM_VIRTIO_SPI + n (INTID 48 + n), as on QEMU's virt. */
#define VM_VIRTIO_IPA 0x0a000000UL
#define VM_VIRTIO_STRIDE 0x200UL
#define VM_VIRTIO_SPI 16
#define VM_MAX_VIRTIO 4

enum vm_virtio_type {
    VM_VIRTIO_CONSOLE = 1,
    VM_VIRTIO_BLK,
    VM_VIRTIO_NET,
};

struct vm_virtio {
    enum vm_virtio_type type;
    /* VM_VIRTIO_BLK: bytes [offset, offset + size) of host disk `disk`. */
    unsigned int disk;
    uint64_t offset;
    uint64_t size;
    uint8_t mac[6]; /* VM_VIRTIO_NET: its address */
};

struct vm_config {
    char name[VM_NAME_MAX];
    uint64_t mem_size;
    unsigned int nr_vcpus;
    unsigned int affinity[CONFIG_MAX_VCPUS_PER_VM];
    uint32_t cpus_allowed[CONFIG_MAX_VCPUS_PER_VM]; /* 0 = pinned */
    const void *kernel; /* points into the setup blob */
    size_t kernel_size;
    const void *initrd; /* optional, NULL when absent */
    size_t initrd_size;
    bool console_pl011;
    char bootargs[VM_BOOTARGS_MAX];
    unsigned int sched_weight;  /* 0 = not given (policy default) */
    unsigned int sched_cap_pct; /* 0 = no cap */
    uint32_t rt_period_us;      /* 0 = no reservation */
    uint32_t rt_budget_us;
    unsigned int nr_virtio;
    struct vm_virtio virtio[VM_MAX_VIRTIO];
};

struct setup_config {
    char scheduler[16];
    unsigned int nr_vms;
    struct vm_config vms[CONFIG_MAX_VMS];
};

/**
 * Parses and validates a setup blob. nr_pcpus bounds cpu-affinity. VMs with
 * errors are reported through err (one line each, "vm NAME: reason") and
 * left out; returns the number of errors, or a negative HV_E* value when
 * the blob itself is unusable (then *out has no VMs).
 */
int config_parse(const void *blob, size_t blob_size, unsigned int nr_pcpus,
                 struct setup_config *out,
                 void (*err)(void *ctx, const char *msg), void *err_ctx);
