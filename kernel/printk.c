/* SPDX-License-Identifier: MIT */
/*
 * printk() formats with newlib's vsnprintf into a stack buffer and writes
 * the result with one console_write(), so each message reaches the console
 * whole even with several CPUs printing. newlib's stdio streams are not
 * used: they are not safe to share between CPUs.
 */
#include <hv/arch.h>
#include <hv/console.h>
#include <hv/printk.h>
#include <stdio.h>
#include <string.h>

void vprintk(const char *fmt, va_list ap)
{
    char buf[256];
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);

    if (n < 0) {
        return;
    }
    if ((size_t)n >= sizeof(buf)) {
        n = sizeof(buf) - 1;
        buf[n - 1] = '\n';
    }
    console_write(buf, (size_t)n);
}

void printk(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
}
