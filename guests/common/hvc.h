/* SPDX-License-Identifier: MIT */
/*
 * Guest-side wrappers for Shoji's hypercalls (vmapi/shoji_hvc.h).
 */
#pragma once

#include <stddef.h>

#include <vmapi/shoji_hvc.h>

/**
 * Issues HVC #0 with function ID id and arguments a1..a3 (SMCCC).
 * Returns x0. Works for any ID, so tests can issue unknown ones.
 */
long hvc_call(unsigned long id, unsigned long a1, unsigned long a2,
              unsigned long a3);

/**
 * Writes len bytes to the VM's console through CONSOLE_WRITE, in chunks of
 * at most SHOJI_HVC_CONSOLE_MAX. Returns the number of bytes written, or the
 * first negative SMCCC error.
 */
/*
 * The same call through SMC #0, which Shoji traps (HCR_EL2.TSC) and
 * handles like HVC, resuming after the SMC.
 */
long smc_call(unsigned long id, unsigned long a1, unsigned long a2,
              unsigned long a3);

long hvc_console_write(const char *buf, size_t len);

/** Gives up the rest of the time slice. Returns the hypercall result (0). */
long hvc_yield(void);

/** Returns the calling VM's id. */
long hvc_vm_id(void);

/** Stops this VM with exit code code. Never returns. */
_Noreturn void hvc_shutdown(long code);
