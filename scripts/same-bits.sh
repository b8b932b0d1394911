#!/usr/bin/env bash
# Checks that two builds of cct train to the same bits: runs the same job with each binary (same
# config, seed and thread count) and compares their metrics.jsonl line by line, every field except
# the timings (seconds, images_per_sec, y_seconds). Prints "identical" or the first differing
# lines, and exits non-zero on a difference. Use it after a change to the engine that should not
# change results.
#
#   scripts/same-bits.sh OLD_CCT NEW_CCT                                  # the README's main job
#   scripts/same-bits.sh OLD_CCT NEW_CCT configs/mnist-quick.yaml --set data.subset=2000 --set epochs=1
#
# Extra arguments go to both `cct train` runs. Needs jq. GOMAXPROCS (default 2) sets the threads.
set -euo pipefail
if [ $# -lt 2 ]; then
	echo "usage: scripts/same-bits.sh OLD_CCT NEW_CCT [CONFIG [--set key=value ...]]" >&2
	exit 2
fi
old=$1
new=$2
shift 2
config=${1:-configs/mnist-quick.yaml}
[ $# -gt 0 ] && shift
command -v jq >/dev/null || { echo "same-bits.sh: needs jq (apt-get install jq)" >&2; exit 2; }
export GOMAXPROCS=${GOMAXPROCS:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for side in old new; do
	bin=$old
	[ "$side" = new ] && bin=$new
	echo "== $side: $bin train --config $config $*" >&2
	"$bin" train --config "$config" --name run --runs-dir "$work/$side" --quiet "$@"
	metrics=$(find "$work/$side/run" -name metrics.jsonl | sort)
	# shellcheck disable=SC2086
	jq -c 'del(.seconds, .images_per_sec, .y_seconds)' $metrics >"$work/$side.jsonl"
done
if cmp -s "$work/old.jsonl" "$work/new.jsonl"; then
	echo "identical: $(wc -l <"$work/new.jsonl") metrics lines"
	exit 0
fi
echo "different:"
diff "$work/old.jsonl" "$work/new.jsonl" | head -n 10
exit 1
