/* SPDX-License-Identifier: MIT */
/*
 * Shoji's own hypercalls (vmapi/shoji_hvc.h): console write, yield, VM id,
 * shutdown. The architecture decodes the guest's calling convention (SMCCC
 * over HVC on arm64) and hands these IDs here.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/**
 * Handles call fid with arguments a[0..5]. Returns false, touching nothing,
 * when fid is not one of Shoji's calls; otherwise true with the result in
 * *ret.
 */
bool hypercall_handle(struct vcpu *v, uint64_t fid, const uint64_t a[6],
                      int64_t *ret);
