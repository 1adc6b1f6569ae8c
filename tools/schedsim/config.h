/* SPDX-License-Identifier: MIT */
/*
 * Kconfig values sched/ reads, for the host build of schedsim (passed
 * with -include in place of the generated autoconf.h). Keep in step with
 * the defaults in sched/Kconfig: the simulator should model what the
 * hypervisor runs with its default configuration.
 */
#pragma once

#define CONFIG_SCHED_RR 1
#define CONFIG_SCHED_CREDIT 1
#define CONFIG_SCHED_DEFAULT "rr"
#define CONFIG_SCHED_RR_SLICE_US 10000
#define CONFIG_SCHED_CREDIT_TSLICE_MS 30
#define CONFIG_SCHED_CREDIT_TICK_MS 10
#define CONFIG_SCHED_CREDIT_RATELIMIT_US 1000
#define CONFIG_SCHED_CREDIT_RT_SHARE_PCT 80
