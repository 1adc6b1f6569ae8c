/* SPDX-License-Identifier: MIT */
/*
 * Host stand-in for asm/sysreg.h, first in the include path only of the
 * files that need it (tests/unit/Makefile): the real header, with
 * SYSREG_READ() and SYSREG_WRITE() going to the fake register file of
 * arch/fake/sysreg.c instead of mrs/msr. A register is keyed by its name
 * after macro expansion, so ICH_HCR_EL2 and S3_4_C12_C11_0 are the same.
 */
#pragma once

#include_next <asm/sysreg.h>

#include <fake/arch.h>

#undef SYSREG_READ
#undef SYSREG_WRITE

#define SYSREG_READ(name) fake_sysreg_read(FAKE_SYSREG_NAME(name))
#define SYSREG_WRITE(name, val)                                                \
    fake_sysreg_write(FAKE_SYSREG_NAME(name), (uint64_t)(val))
