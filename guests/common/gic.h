/* SPDX-License-Identifier: MIT */
/* GICv3 bring-up for single-vCPU guests (see gic.c). */
#pragma once

/** Enables the distributor, this CPU's redistributor and private
 * interrupt intid (a PPI, e.g. 27 for the virtual timer). */
void gic_init(unsigned int intid);
