/* SPDX-License-Identifier: MIT */
/* Entry points from arch boot code into the generic kernel. */
#pragma once

#include <hv/host_dt.h>

/** Boot CPU, MMU on, console up: sets up memory, VMs, CPUs; never returns. */
void kernel_main(const void *dtb, const struct host_info *info)
    __attribute__((noreturn));

/** Secondary CPU, fully initialised by arch code; never returns. */
void kernel_secondary_main(unsigned int cpu) __attribute__((noreturn));

/* Image layout symbols from the linker script. */
extern char __image_start[], __image_end[];
extern char __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[];
