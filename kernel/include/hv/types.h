/* SPDX-License-Identifier: MIT */
/*
 * Basic types. Physical and guest-physical addresses are one-member structs
 * so that passing an IPA where a PA is expected does not compile.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct paddr {
    uint64_t pa;
} paddr_t;

typedef struct ipaddr {
    uint64_t ipa;
} ipaddr_t;

static inline paddr_t pa_init(uint64_t a)
{
    return (paddr_t){.pa = a};
}

static inline uint64_t pa_addr(paddr_t a)
{
    return a.pa;
}

static inline ipaddr_t ipa_init(uint64_t a)
{
    return (ipaddr_t){.ipa = a};
}

static inline uint64_t ipa_addr(ipaddr_t a)
{
    return a.ipa;
}

/* The hypervisor runs identity mapped: a PA is also its EL2 address. */
static inline void *pa_to_ptr(paddr_t a)
{
    return (void *)(uintptr_t)a.pa;
}

static inline paddr_t ptr_to_pa(const void *p)
{
    return pa_init((uint64_t)(uintptr_t)p);
}

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define SZ_2M (1UL << 21)
#define SZ_1G (1UL << 30)

#define ALIGN_UP(x, a) (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define container_of(ptr, type, member)                                        \
    ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#define IS_ENABLED(opt) IS_ENABLED_1_(opt)
#define IS_ENABLED_1_(val) IS_ENABLED_2_(IS_ENABLED_PROBE_##val)
#define IS_ENABLED_PROBE_1 0,
#define IS_ENABLED_2_(arg) IS_ENABLED_3_(arg 1, 0, ~)
#define IS_ENABLED_3_(ign, val, ...) val
