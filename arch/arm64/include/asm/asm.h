/* SPDX-License-Identifier: MIT */
/* Assembly helpers. */
#pragma once

#ifdef __ASSEMBLY__
/* clang-format off */
/* Loads the address of a symbol within +/-4 GiB, PC-relative. */
.macro adr_l reg, sym
    adrp \reg, \sym
    add \reg, \reg, :lo12:\sym
.endm

.macro func name
    .global \name
    .type \name, %function
\name:
.endm

.macro endfunc name
    .size \name, . - \name
.endm
/* clang-format on */
#endif
