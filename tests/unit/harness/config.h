/* SPDX-License-Identifier: MIT */
/*
 * Kconfig values for the host unit tests, passed with -include in place of
 * the generated autoconf.h. Keep in step with what the code under test
 * reads; the numbers match the qemu_virt defconfig where it matters.
 */
#pragma once

#define CONFIG_MAX_VMS 8
#define CONFIG_MAX_VCPUS_PER_VM 4
#define CONFIG_NR_CPUS 4
#define CONFIG_GUEST_DTB_MAX_KIB 64
#define CONFIG_SCHED_RR_SLICE_US 10000
#define CONFIG_SCHED_DEFAULT "rr"
#define CONFIG_SCHED_CREDIT_TSLICE_MS 30
#define CONFIG_SCHED_CREDIT_TICK_MS 10
#define CONFIG_SCHED_CREDIT_RATELIMIT_US 1000
#define CONFIG_SCHED_CREDIT_RT_SHARE_PCT 80
#define CONFIG_ARM64_IPA_BITS 39
