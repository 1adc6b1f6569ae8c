/* SPDX-License-Identifier: MIT */
/* What a guest's generated device tree says about this boot. */
#pragma once

#include <hv/config.h>
#include <stddef.h>

struct vm_boot {
    const struct vm_config *cfg;
    uint64_t ram_ipa;
    uint64_t ram_size;
    uint64_t initrd_ipa; /* 0 when there is none */
    uint64_t initrd_size;
    unsigned int boot_count; /* passed as shoji.boot=N in bootargs */
};

/**
 * Writes the guest device tree for this boot into buf (size bytes).
 * Implemented by arch code (arch_vm_build_dt() calls it); pure, so the
 * host unit tests run it. 0, -HV_E2BIG or -HV_EINVAL.
 */
int vm_fdt_build(const struct vm_boot *boot, void *buf, size_t size);
