/* SPDX-License-Identifier: MIT */
/* The device tree a guest receives in x0, generated from its description. */
#pragma once

#include <hv/config.h>
#include <stddef.h>

/**
 * Writes the guest device tree for cfg into buf (size bytes): memory at
 * VM_RAM_IPA, cpus with PSCI, the PL011 and /chosen. 0 or -HV_E2BIG /
 * -HV_EINVAL.
 */
int vm_fdt_build(const struct vm_config *cfg, void *buf, size_t size);
