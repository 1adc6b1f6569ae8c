/* SPDX-License-Identifier: MIT */
/* Names of the HV_E* error codes for log messages. */
#include <hv/errno.h>

const char *hv_strerror(int err)
{
    switch (err < 0 ? -err : err) {
    case 0:
        return "success";
    case HV_EPERM:
        return "not permitted";
    case HV_ENOENT:
        return "not found";
    case HV_EIO:
        return "I/O error";
    case HV_EAGAIN:
        return "try again";
    case HV_E2BIG:
        return "too big";
    case HV_ENOMEM:
        return "out of memory";
    case HV_EFAULT:
        return "bad address";
    case HV_EBUSY:
        return "busy";
    case HV_EEXIST:
        return "already exists";
    case HV_EINVAL:
        return "invalid argument";
    case HV_ENOSPC:
        return "no space";
    case HV_ERANGE:
        return "out of range";
    case HV_ENOSYS:
        return "not implemented";
    case HV_ENOTSUP:
        return "not supported";
    default:
        return "unknown error";
    }
}
