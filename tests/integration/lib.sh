# SPDX-License-Identifier: MIT
#
# Shared helpers for integration cases; sourced, not run. Sets:
#   ROOT   repository root
#   BUILD  build directory (--build DIR, else $SHOJI_BUILD, else ROOT/build)
#   RUN    path of tools/shoji-run
#   LOGDIR BUILD/tests/integration, where each case keeps its console log
# and shoji_run_case NAME ARGS... runs shoji-run with --build and
# --log LOGDIR/NAME.log.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${SHOJI_BUILD:-$ROOT/build}
while [ $# -gt 0 ]; do
    case "$1" in
    --build)
        BUILD=$2
        shift 2
        ;;
    --build=*)
        BUILD=${1#--build=}
        shift
        ;;
    *)
        echo "usage: $0 [--build DIR]" >&2
        exit 2
        ;;
    esac
done
BUILD=$(cd "$BUILD" && pwd) || exit 2
RUN=$ROOT/tools/shoji-run
LOGDIR=$BUILD/tests/integration
mkdir -p "$LOGDIR"

shoji_run_case() {
    local name=$1
    shift
    "$RUN" --build "$BUILD" --log "$LOGDIR/$name.log" "$@"
}
