/* SPDX-License-Identifier: MIT */
/* Boot-time self-tests (CONFIG_DEBUG_SELFTEST). */
#pragma once

#include <hv/host_dt.h>

/** Runs the self-test named by selftest= on the host command line. */
void selftest_run(const struct host_info *info);
