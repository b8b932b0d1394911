#!/usr/bin/env bash
# Table 3: VGG4 trained from scratch with each method (IMSAT, IIC, SeLa, MIADM, ours), 6 seeds;
# prints ACC mean (std) per method and dataset as a markdown table.
#
#   scripts/table3.sh
#   DATASETS="mnist" METHODS="cce imsat" scripts/table3.sh --set runs=1 --set epochs=5
#
# Environment: CCT (default bin/cct), RUNS_DIR (default runs), DATASETS, METHODS.
set -euo pipefail
CCT=${CCT:-bin/cct}
RUNS_DIR=${RUNS_DIR:-runs}
DATASETS=${DATASETS:-"stl10 cifar10 cifar100-20 mnist"}
METHODS=${METHODS:-"imsat iic sela miadm cce"}
dirs=()
for ds in $DATASETS; do
  for m in $METHODS; do
    name="t3-$ds-$m"
    echo "== $name" >&2
    "$CCT" train --config "configs/$ds.yaml" --set "loss=$m" --name "$name" \
      --runs-dir "$RUNS_DIR" --resume --quiet "$@"
    dirs+=("$RUNS_DIR/$name")
  done
done
"$CCT" eval --table --rows loss --cols data.name --metric acc "${dirs[@]}"
