/* SPDX-License-Identifier: MIT */
/*
 * Hypercall dispatch (SMCCC function IDs, from HVC or a trapped SMC): Shoji's
 * own calls and PSCI. Arch code extracts the arguments from the guest's
 * registers and writes the results back.
 */
#pragma once

#include <stdint.h>

struct vcpu;

/* PSCI function IDs handled in this milestone. */
#define PSCI_0_2_VERSION 0x84000000UL
#define PSCI_0_2_SYSTEM_OFF 0x84000008UL
#define PSCI_0_2_SYSTEM_RESET 0x84000009UL
#define PSCI_0_2_CPU_ON_64 0xc4000003UL
#define PSCI_RET_SUCCESS 0
#define PSCI_RET_NOT_SUPPORTED (-1)

/**
 * Handles function fid with arguments a[0..5] (x1..x6); writes x0..x3 into
 * ret. Unknown IDs return SMCCC_RET_NOT_SUPPORTED in ret[0].
 */
void hypercall_dispatch(struct vcpu *v, uint64_t fid, const uint64_t a[6],
                        uint64_t ret[4]);
