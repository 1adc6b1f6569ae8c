/* SPDX-License-Identifier: MIT */
/*
 * Shoji guest ABI: the hypercalls a guest issues with HVC #0.
 *
 * Calls follow the Arm SMC Calling Convention (SMCCC, DEN0028): the function
 * ID goes in w0, arguments in x1..x6, results come back in x0..x3. Shoji's
 * own calls live in the "vendor specific hypervisor service" owner range
 * (owner 6), fast calls, SMC64 convention. Any ID Shoji does not implement
 * returns SMCCC_RET_NOT_SUPPORTED (-1) in x0, and guest state is otherwise
 * unchanged.
 *
 * This header is shared by the hypervisor and the guests; it has no
 * dependency other than the compiler's integer types.
 */
#pragma once

/* SMCCC return codes. */
#define SMCCC_RET_SUCCESS 0L
#define SMCCC_RET_NOT_SUPPORTED (-1L)
#define SMCCC_RET_INVALID_PARAMETER (-3L)

/* Fast call, SMC64, owner 6 (vendor specific hypervisor service). */
#define SHOJI_HVC_BASE 0xc6000000UL
#define SHOJI_HVC_ID(n) (SHOJI_HVC_BASE | (n))

/*
 * CONSOLE_WRITE(x1 = IPA of buffer, x2 = length): writes the bytes to the
 * guest's console (labelled with the VM name). Returns in x0 the number of
 * bytes written (at most SHOJI_HVC_CONSOLE_MAX per call), or
 * SMCCC_RET_INVALID_PARAMETER if the buffer is not in the guest's RAM.
 */
#define SHOJI_HVC_CONSOLE_WRITE SHOJI_HVC_ID(0x01)
#define SHOJI_HVC_CONSOLE_MAX 256

/* YIELD(): gives up the rest of the time slice. Returns 0. */
#define SHOJI_HVC_YIELD SHOJI_HVC_ID(0x02)

/* VM_ID(): returns the calling VM's id (0, 1, ...) in x0. */
#define SHOJI_HVC_VM_ID SHOJI_HVC_ID(0x03)

/*
 * SHUTDOWN(x1 = exit code): stops the calling VM; does not return.
 * Shoji logs the exit code; when every VM has stopped the board powers off.
 */
#define SHOJI_HVC_SHUTDOWN SHOJI_HVC_ID(0x04)
