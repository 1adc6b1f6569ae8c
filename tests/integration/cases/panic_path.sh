#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# panic_path: an exception taken at EL2 is a Shoji bug and must end in a
# panic that names the exception and dumps ESR/FAR/ELR and the registers,
# then powers the board off. The selftest= boot option provokes three:
# a fault outside Shoji's address space, a write to its text (W^X: text
# is read-only) and a jump into its data (W^X: data is execute-never).
set -u
. "$(dirname "$0")/../lib.sh"

check() {
    local test=$1 ec=$2
    shoji_run_case "panic_$test" --config "$ROOT/configs/demo.dts" \
        --timeout 60 --expect-panic \
        --expect "^shoji: selftest: $test\$" \
        --expect "^shoji: PANIC: unexpected sync exception at EL2" \
        --expect "^  ESR_EL2 0x[0-9a-f]{16} \\($ec \\(same EL\\)\\)  FAR_EL2 0x" \
        --expect '^  x30 0x[0-9a-f]{16}$' \
        -- -append "selftest=$test" || return 1
    # The guests must never have run: the panic came first.
    if grep -q '^\[alpha\]' "$LOGDIR/panic_$test.log"; then
        echo "panic_path: guests ran after selftest=$test"
        return 1
    fi
}

check el2-fault "data abort" || exit 1
check text-write "data abort" || exit 1
check data-exec "instruction abort" || exit 1
