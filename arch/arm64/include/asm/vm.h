/* SPDX-License-Identifier: MIT */
/* Arch part of a VM, embedded as vm->arch. */
#pragma once

#include <asm/stage2.h>
#include <asm/vgic_v3.h>
#include <stdint.h>

struct arch_vm {
    struct stage2 s2;
    uint16_t vmid;
    uint64_t vttbr;
    uint64_t cntvoff; /* virtual counter = physical counter - cntvoff */
    struct vgic_dist vgic;
};
