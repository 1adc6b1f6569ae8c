#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# media_rt: a 60 fps media probe with a credit-rt reservation shares one
# physical CPU with three CPU-bound hogs (data/media_3hogs.dts). Passes iff
# the probe missed no frame, every hog printed progress while the probe
# ran and finished after it, and all guests report their tests passed.
# Under -icount every virtual nanosecond is an instruction, so the numbers
# are reproducible; prints the probe's summary and the hogs' iterations.
# With MEDIA_RT_TRACE=1 Shoji also records its scheduler trace (trace=1)
# and the case writes it as LOGDIR/media_rt.json for ui.perfetto.dev.
set -u
. "$(dirname "$0")/../lib.sh"

extra=()
if [ "${MEDIA_RT_TRACE:-0}" = 1 ]; then
    extra=(-- -append trace=1)
fi
shoji_run_case media_rt --config "$ROOT/tests/integration/data/media_3hogs.dts" \
    --icount --timeout 240 \
    --expect '^\[probe\] media: frames 180 misses 0 ' \
    --expect '^\[probe\] TEST media\.1 no-misses PASS$' \
    --expect '^\[probe\] 1 passed, 0 failed$' \
    --expect '^\[hog1\] 1 passed, 0 failed$' \
    --expect '^\[hog2\] 1 passed, 0 failed$' \
    --expect '^\[hog3\] 1 passed, 0 failed$' "${extra[@]}" || exit 1

if [ "${#extra[@]}" -gt 0 ]; then
    "$ROOT/tools/shoji-trace" "$LOGDIR/media_rt.log" \
        -o "$LOGDIR/media_rt.json" || exit 1
fi

awk '
    /^\[probe\] media: calibrated / { running = 1 }
    /^\[hog[123]\] hog: progress / && running { seen[substr($1, 2, 4)]++ }
    /^\[probe\] media: frames / { summary = $0; running = 0 }
    /^\[probe\] media: ran / { ran = $0 }
    /^\[hog[123]\] hog: done, / {
        h = substr($1, 2, 4)
        n = $4
        sub(/,/, "", n)
        iters[h] = n + 0
        if (summary == "") {
            early = early " " h
        }
    }
    END {
        print "media_rt: " substr(summary, 16)
        print "media_rt: " substr(ran, 16)
        printf "media_rt: hog iterations %d %d %d\n",
            iters["hog1"], iters["hog2"], iters["hog3"]
        bad = 0
        for (i = 1; i <= 3; i++) {
            h = "hog" i
            if (seen[h] == 0 || iters[h] == 0) {
                print "media_rt: " h " made no progress while the probe ran"
                bad = 1
            }
        }
        if (early != "") {
            print "media_rt: finished before the probe:" early
            bad = 1
        }
        exit bad
    }' "$LOGDIR/media_rt.log"
