/* SPDX-License-Identifier: MIT */
/*
 * Host printk() and panic() for the unit tests. printk goes to stdout;
 * panic prints its message and hands over to cmocka's mock_assert(), which
 * either satisfies an expect_panic() or fails the running test.
 */
#include "harness.h"

#include <hv/printk.h>

void vprintk(const char *fmt, va_list ap)
{
    vprintf(fmt, ap);
}

void printk(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
}

void panic(const char *fmt, ...)
{
    /* Static: cmocka prints the message after jumping out of here. */
    static char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    mock_assert(0, msg, __FILE__, __LINE__);
    abort(); /* not reached: mock_assert() jumps out of the test */
}
