/* SPDX-License-Identifier: MIT */
/* The ARM parts of the host device tree: CPUs, GICv3, timer, PSCI. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct arm_platform {
    unsigned int nr_cpus;
    uint64_t mpidr[CONFIG_NR_CPUS];
    uint64_t gicd_base;
    uint64_t gicr_base;
    uint64_t gicr_size;
    unsigned int timer_hyp_intid;  /* EL2 physical timer PPI */
    unsigned int timer_virt_intid; /* EL1 virtual timer PPI */
    bool psci_smc;                 /* conduit: SMC (else HVC) */
};

extern struct arm_platform arm_plat;

/** Parses the host device tree. 0, or -HV_EINVAL with *why set. */
int platform_parse(const void *dtb, const char **why);
