#!/usr/bin/env bash
# Times ResNet-50 feature extraction (224x224x3 images to 2048-d features, inference) in cct
# (BenchmarkFeatures of models/resnet50: preprocessing and forward pass, cpu backend, ImageNet
# weights when cached) and in PyTorch on the CPU (torchvision.models.resnet50, random weights, same
# batch, --threads threads), alternating them for --rounds rounds so that all see the same machine
# load, and prints images/s, GFLOP/s and the ratio of the median times per image. PyTorch runs twice
# per round: the plain eval-mode module (NCHW), and its fastest CPU inference path
# (torch.jit.optimize_for_inference: batch norm folded, oneDNN layouts; channels-last input). The
# PyTorch side is skipped, with a message, when no Python with torch and torchvision is found.
#
#   scripts/bench-features.sh --batch 16 --steps 3 --rounds 3
#
# GFLOP/s count 2 FLOP per multiply-add of each network's own convolutions: cct runs Keras' ResNet50
# (v1, 3.86 GMAC per image), torchvision's resnet50 is v1.5 (4.09 GMAC: stride on the 3x3). With
# --keras-v1 PyTorch runs the v1 strides too, the same arithmetic as cct.
set -euo pipefail
cd "$(dirname "$0")/.."

batch=16 steps=3 rounds=3 threads=2 v1=""
while [ $# -gt 0 ]; do
	case "$1" in
	--batch) batch="$2"; shift 2 ;;
	--steps) steps="$2"; shift 2 ;;
	--rounds) rounds="$2"; shift 2 ;;
	--threads) threads="$2"; shift 2 ;;
	--keras-v1) v1="--keras-v1"; shift ;;
	*) echo "bench-features.sh: unknown flag $1" >&2; exit 2 ;;
	esac
done

mkdir -p bin
go test -c -o bin/resnet50.test ./models/resnet50

py=""
for cand in ${PYTHON:-} python3 /usr/bin/python3; do
	if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import torch, torchvision' >/dev/null 2>&1; then
		py="$cand"
		break
	fi
done

json_num() { sed -n "s/^ *\"$1\": *\([-0-9.eE+]*\),*$/\1/p"; }
json_str() { sed -n "s/^ *\"$1\": *\"\(.*\)\",*$/\1/p"; }

cct_rates=() plain_rates=() opt_rates=()
for r in $(seq 1 "$rounds"); do
	line="$(CCT_BENCH_BATCH="$batch" bin/resnet50.test -test.run '^$' -test.bench '^BenchmarkFeatures$' -test.benchtime "${steps}x" | grep '^BenchmarkFeatures')"
	rate="$(sed -n 's/.* \([0-9.]*\) images\/s.*/\1/p' <<<"$line")"
	gf="$(sed -n 's/.* \([0-9.]*\) GFLOP\/s.*/\1/p' <<<"$line")"
	echo "round $r cct:           batch $batch, $rate images/s, $gf GFLOP/s (load average $(cut -d' ' -f1 /proc/loadavg))"
	cct_rates+=("$rate")
	[ -n "$py" ] || continue
	for mode in plain optimized; do
		extra=()
		[ "$mode" = optimized ] && extra=(--optimize --channels-last)
		js="$("$py" scripts/bench_features_torch.py --batch "$batch" --steps "$steps" --threads "$threads" $v1 "${extra[@]}" --json)"
		trate="$(json_num images_per_s <<<"$js")"
		printf 'round %d pytorch %-9s batch %d, %.3f images/s, %.1f GFLOP/s (%s)\n' "$r" "$mode:" "$batch" "$trate" \
			"$(json_num achieved_gflop_per_s <<<"$js")" "$(json_str backend <<<"$js")"
		if [ "$mode" = plain ]; then plain_rates+=("$trate"); else opt_rates+=("$trate"); fi
	done
done

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
c="$(median "${cct_rates[@]}")"
echo "== cct median: $c images/s ($(awk -v r="$c" 'BEGIN { printf "%.1f", r * 2 * 3.857973248 }') GFLOP/s)"
if [ -z "$py" ]; then
	echo "== pytorch: skipped (no python with torch and torchvision found; e.g. apt-get install python3-torchvision)"
	exit 0
fi
for mode in plain optimized; do
	if [ "$mode" = plain ]; then t="$(median "${plain_rates[@]}")"; else t="$(median "${opt_rates[@]}")"; fi
	awk -v c="$c" -v t="$t" -v m="$mode" 'BEGIN { printf "== ratio to pytorch %s: time per image cct / pytorch = %.2f (%.2f vs %.2f images/s)\n", m, t / c, c, t }'
done
