#!/bin/sh
# Run the config-loader libFuzzer target for a bounded time (not part of
# `make check`).  Needs a build configured with
#     ./configure CC=clang --enable-fuzzing --enable-sanitizers
# Usage (from the build directory):
#     t/reliability/fuzz_config_run.sh [SECONDS] [extra libFuzzer options]
# New interesting inputs go to a scratch corpus copy; crashes to ./crash-*.
# Copy a reproducer into t/fuzz/corpus/config/ to keep it as a regression.
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
secs=${1:-60}
[ $# -gt 0 ] && shift
bin=./t/fuzz/fuzz_config
[ -x "$bin" ] || { echo "no $bin: configure with CC=clang --enable-fuzzing" >&2; exit 77; }
work=$(mktemp -d /tmp/fuzz_config.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
cp "$srcdir"/t/fuzz/corpus/config/* "$work"/
"$bin" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
	-dict="$srcdir/t/reliability/fuzz_config.dict" -print_final_stats=1 "$@" "$work"
rc=$?
echo "fuzz_config: corpus grew from $(ls "$srcdir"/t/fuzz/corpus/config | wc -l) to $(ls "$work" | wc -l) inputs"
exit $rc
