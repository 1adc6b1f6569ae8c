/* SPDX-License-Identifier: MIT */
/* Hypervisor log output on the host console, and panic. */
#pragma once

#include <stdarg.h>

/** Formats and writes one message atomically to the console. */
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vprintk(const char *fmt, va_list ap);

/** Prints "shoji: PANIC: <msg>" and stops every CPU. */
void panic(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#define pr_info(fmt, ...) printk("shoji: " fmt "\n", ##__VA_ARGS__)
#define pr_err(fmt, ...) printk("shoji: error: " fmt "\n", ##__VA_ARGS__)
#define pr_warn(fmt, ...) printk("shoji: warning: " fmt "\n", ##__VA_ARGS__)

#define BUG_ON(cond)                                                           \
    do {                                                                       \
        if (cond) {                                                            \
            panic("BUG at %s:%d: %s", __FILE__, __LINE__, #cond);              \
        }                                                                      \
    } while (0)
