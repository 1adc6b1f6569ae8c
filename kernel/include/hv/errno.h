/* SPDX-License-Identifier: MIT */
/* Error codes: functions return 0 or a negative HV_E* value. */
#pragma once

#define HV_EPERM 1
#define HV_ENOENT 2
#define HV_EIO 5
#define HV_EAGAIN 11
#define HV_E2BIG 7
#define HV_ENOMEM 12
#define HV_EFAULT 14
#define HV_EBUSY 16
#define HV_EEXIST 17
#define HV_EINVAL 22
#define HV_ENOSPC 28
#define HV_ERANGE 34
#define HV_ENOSYS 38
#define HV_ENOTSUP 95

/** Returns a short name for a (positive or negative) HV_E* code. */
const char *hv_strerror(int err);
