#!/usr/bin/env bash
# Times the same training step (forward, collision cross-entropy, backward, Adam) in cct and in
# PyTorch on the CPU and prints the ratio of the median step times. The PyTorch side is skipped,
# with a message, when no Python with torch is found.
#
#   scripts/bench-train.sh --model vgg4 --input 28x28x1 --batch 250 --steps 10
#   scripts/bench-train.sh --model resnet18 --input 32x32x3 --batch 200 --steps 5 --warmup 1
#   scripts/bench-train.sh --model linear --input 2048 --batch 250 --steps 50
#
# Flags --model --input --batch --steps --warmup --clusters --lr go to both; --backend goes to cct
# only and --threads (default 2) to PyTorch only. CCT (default: build ./cmd/cct into bin/cct) and
# PYTHON select the programs.
set -euo pipefail
cd "$(dirname "$0")/.."

common=()
cct_only=()
threads=2
while [ $# -gt 0 ]; do
	case "$1" in
	--model | --input | --batch | --steps | --warmup | --clusters | --lr)
		common+=("$1" "$2")
		shift 2
		;;
	--backend)
		cct_only+=("$1" "$2")
		shift 2
		;;
	--threads)
		threads="$2"
		shift 2
		;;
	*)
		echo "bench-train.sh: unknown flag $1" >&2
		exit 2
		;;
	esac
done

CCT="${CCT:-}"
if [ -z "$CCT" ]; then
	go build -o bin/cct ./cmd/cct
	CCT=bin/cct
fi

field() { # field NAME < json: prints the numeric value of "NAME": ...
	sed -n "s/^ *\"$1\": *\([-0-9.eE+]*\),\{0,1\}$/\1/p" | head -n 1
}

echo "== cct"
cct_json="$("$CCT" bench-train "${common[@]}" "${cct_only[@]}" --json)"
cct_ms="$(field median_step_ms <<<"$cct_json")"
echo "$cct_json" | grep -E '"(model|input|backend|batch|median_step_ms|images_per_s|achieved_gflop_per_s|max_rss_bytes)"'

py=""
for cand in ${PYTHON:-} python3 /usr/bin/python3; do
	if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import torch' >/dev/null 2>&1; then
		py="$cand"
		break
	fi
done
if [ -z "$py" ]; then
	echo "== pytorch: skipped (no python with torch found; e.g. apt-get install python3-torch)"
	exit 0
fi

echo "== pytorch ($py, $threads threads)"
torch_json="$("$py" scripts/bench_torch.py "${common[@]}" --threads "$threads" --json)"
torch_ms="$(field median_step_ms <<<"$torch_json")"
echo "$torch_json" | grep -E '"(backend|median_step_ms|images_per_s|achieved_gflop_per_s|max_rss_bytes)"'

awk -v a="$cct_ms" -v b="$torch_ms" 'BEGIN { printf "== ratio: cct %.1f ms / pytorch %.1f ms = %.2fx per step\n", a, b, a / b }'
