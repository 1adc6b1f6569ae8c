/* SPDX-License-Identifier: MIT */
/*
 * Test marker helpers: numbered TEST lines and the final summary.
 */
#include <stdio.h>

#include "test.h"

static const char *test_suite = "guest";
static int test_passed;
static int test_failed;

void test_begin(const char *suite)
{
    test_suite = suite;
}

bool test_report(const char *name, bool ok)
{
    if (ok) {
        test_passed++;
    } else {
        test_failed++;
    }
    printf("TEST %s.%d %s %s\n", test_suite, test_passed + test_failed, name,
           ok ? "PASS" : "FAIL");
    return ok;
}

int test_summary(void)
{
    printf("%d passed, %d failed\n", test_passed, test_failed);
    fflush(stdout);
    return test_failed;
}
