#!/usr/bin/env bash
# Table 4: ResNet-18 with separate head/backbone learning rates and SCAN's strong augmentation,
# trained on the train split and evaluated on the test split, 6 seeds; prints ACC / NMI / ARI
# mean (std) per method and dataset as a markdown table.
#
#   scripts/table4.sh
#   DATASETS="cifar10" METHODS="cce" scripts/table4.sh --set runs=1
#
# Environment: CCT (default bin/cct), RUNS_DIR (default runs), DATASETS, METHODS.
set -euo pipefail
CCT=${CCT:-bin/cct}
RUNS_DIR=${RUNS_DIR:-runs}
DATASETS=${DATASETS:-"cifar10 cifar100-20 stl10"}
METHODS=${METHODS:-"imsat miadm cce"}
dirs=()
for ds in $DATASETS; do
  for m in $METHODS; do
    name="t4-$ds-$m"
    echo "== $name" >&2
    "$CCT" train --config "configs/table4-$ds.yaml" --set "loss=$m" --name "$name" \
      --runs-dir "$RUNS_DIR" --resume --quiet "$@"
    dirs+=("$RUNS_DIR/$name")
  done
done
"$CCT" eval --table --rows loss --cols data.name --metric all "${dirs[@]}"
