#!/usr/bin/env bash
# Table 2: a linear classifier on fixed ResNet-50 features, k-means and the self-labeling methods,
# 6 seeds each; prints ACC mean (std) per method and dataset as a markdown table.
#
#   scripts/table2.sh                       # all datasets, all methods
#   DATASETS="mnist" scripts/table2.sh --set runs=2   # extra arguments go to every `cct train`
#
# Environment: CCT (the cct binary, default bin/cct), RUNS_DIR (default runs), DATASETS, METHODS.
set -euo pipefail
CCT=${CCT:-bin/cct}
RUNS_DIR=${RUNS_DIR:-runs}
DATASETS=${DATASETS:-"stl10 cifar10 cifar100-20 mnist"}
METHODS=${METHODS:-"kmeans migd sela miadm cce"}
dirs=()
for ds in $DATASETS; do
  for m in $METHODS; do
    name="t2-$ds-$m"
    echo "== $name" >&2
    "$CCT" train --config "configs/table2-$ds.yaml" --set "loss=$m" --name "$name" \
      --runs-dir "$RUNS_DIR" --resume --quiet "$@"
    dirs+=("$RUNS_DIR/$name")
  done
done
"$CCT" eval --table --rows loss --cols data.name --metric acc "${dirs[@]}"
