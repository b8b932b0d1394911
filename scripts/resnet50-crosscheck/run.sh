#!/usr/bin/env bash
# Cross-checks cct's ResNet-50 against an independent implementation of the same weights: the
# TensorFlow.js layers model run by the pure-JavaScript @tensorflow/tfjs package in Node (CPU
# backend, no native binary), on the same preprocessed inputs. Writes the reference features and
# logits to models/resnet50/testdata/tfjs_reference.json, which `go test ./models/resnet50`
# compares against whenever the weights are cached.
#
#   scripts/resnet50-crosscheck/run.sh [MODEL_DIR]
#
# MODEL_DIR is the folder holding model.json (default: the cache of `cct weights get resnet50`).
# @tensorflow/tfjs is installed with npm into a temporary folder unless TFJS_NODE_MODULES names a
# node_modules folder that has it.
set -euo pipefail
cd "$(dirname "$0")/../.."

model="${1:-${CCT_DATA:-$HOME/.cache/cct}/weights/resnet50/ResNet50}"
if [ ! -f "$model/model.json" ]; then
	echo "run.sh: no $model/model.json; run 'cct weights get resnet50' or pass the folder" >&2
	exit 1
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mods="${TFJS_NODE_MODULES:-}"
if [ -z "$mods" ]; then
	(cd "$work" && npm init -y >/dev/null && npm install --no-audit --no-fund @tensorflow/tfjs@4 >/dev/null)
	mods="$work/node_modules"
fi
go run ./scripts/resnet50-crosscheck "$work"
out=models/resnet50/testdata/tfjs_reference.json
NODE_PATH="$mods" node scripts/resnet50-crosscheck/crosscheck.js "$model" "$work/inputs.json" "$work/ref.json"
mv "$work/ref.json" "$out"
echo "wrote $out"
