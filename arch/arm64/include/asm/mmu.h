/* SPDX-License-Identifier: MIT */
/* Shoji's own EL2 address space (see mmu.c). */
#pragma once

#include <stdint.h>

/** Builds the EL2 tables and turns the MMU on (boot CPU). 0 or -1. */
int mmu_init(uint64_t ram_base, uint64_t ram_size);

/** Turns the MMU on with the boot CPU's tables (secondary CPUs). */
void mmu_enable_secondary(void);
