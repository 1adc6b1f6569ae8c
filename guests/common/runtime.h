/* SPDX-License-Identifier: MIT */
/*
 * Guest runtime glue between start.S, newlib and main().
 */
#pragma once

/** Guest entry, called by start.S with the device tree's IPA. */
int main(void *dtb);

/** Called by start.S before main(): sets up stdio. */
void runtime_init(void *dtb);

/** Flushes stdio and shuts the VM down with code. Never returns. */
_Noreturn void runtime_exit(int code);
