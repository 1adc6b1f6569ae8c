/* SPDX-License-Identifier: MIT */
/*
 * SMC Calling Convention (DEN0028) for calls a guest makes with HVC, or
 * with SMC (trapped by HCR_EL2.TSC): the function ID in w0, arguments in
 * x1..x6, results in x0..x3. Dispatch by owner: Arm architecture calls,
 * standard secure service calls (PSCI), Shoji's vendor hypervisor calls.
 */
#pragma once

#include <stdint.h>

struct vcpu;

#define SMCCC_FAST_CALL (1UL << 31)
#define SMCCC_64 (1UL << 30)
#define SMCCC_OWNER(fid) (((fid) >> 24) & 0x3f)
#define SMCCC_OWNER_ARCH 0
#define SMCCC_OWNER_STANDARD 4
#define SMCCC_OWNER_VENDOR_HYP 6

#define SMCCC_VERSION 0x80000000UL
#define SMCCC_ARCH_FEATURES 0x80000001UL
#define SMCCC_VERSION_1_1 0x10001L
#define SMCCC_ARCH_WORKAROUND_1 0x80008000UL
#define SMCCC_ARCH_WORKAROUND_2 0x80007fffUL
#define SMCCC_ARCH_WORKAROUND_3 0x80003fffUL
#define SMCCC_ARCH_WORKAROUND_RET_UNAFFECTED 1L

/** Handles the call in the loaded vCPU's x0..x6; writes x0..x3. */
void smccc_handle(struct vcpu *v);

/**
 * PSCI (DEN0022) calls. Returns 1 and the result in *ret when handled, 0
 * when fid is not a PSCI function Shoji implements.
 */
int vpsci_handle(struct vcpu *v, uint64_t fid, const uint64_t a[6],
                 int64_t *ret);
