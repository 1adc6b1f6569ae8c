/* SPDX-License-Identifier: MIT */
/*
 * In-guest test markers parsed by the integration runner:
 *   TEST <suite>.<n> <name> PASS|FAIL
 *   <N> passed, <M> failed
 */
#pragma once

#include <stdbool.h>

/** Sets the suite name used by later test_report() lines. */
void test_begin(const char *suite);

/** Prints the next numbered TEST line for name; returns ok. */
bool test_report(const char *name, bool ok);

/** Prints the summary line. Returns the number of failed tests. */
int test_summary(void);
