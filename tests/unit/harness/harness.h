/* SPDX-License-Identifier: MIT */
/*
 * Common include for the unit tests: cmocka with the headers it expects to
 * be included first, plus small helpers shared by several test files.
 */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/*
 * panic() (tests/unit/harness/printk.c) reports through cmocka's
 * mock_assert(), so a test can expect it with expect_assert_failure() and
 * an unexpected panic fails only the running test.
 */
#define expect_panic(call) expect_assert_failure(call)
