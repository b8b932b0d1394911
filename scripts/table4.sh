#!/usr/bin/env bash
# Table 4: ResNet-18 initialised from SCAN's SimCLR pretext weights, with separate head/backbone
# learning rates and SCAN's strong augmentation, trained on the train split and evaluated on the
# test split, 6 seeds; prints ACC / NMI / ARI mean (std) per method and dataset as a markdown table.
#
# The pretext weights are the files SCAN's authors publish (simclr_cifar-10.pth.tar,
# simclr_cifar-20.pth.tar, simclr_stl-10.pth.tar). Put them in weights/scan/ (or the folder named
# by SCAN_WEIGHTS); check one with `cct weights inspect FILE`. A dataset whose file is absent runs
# the scratch variant (random initialisation, run names ending in -scratch), far below the paper.
#
#   scripts/table4.sh
#   DATASETS="cifar10" METHODS="cce" scripts/table4.sh --set runs=1
#
# Environment: CCT (default bin/cct), RUNS_DIR (default runs), DATASETS, METHODS, SCAN_WEIGHTS
# (default weights/scan).
set -euo pipefail
CCT=${CCT:-bin/cct}
RUNS_DIR=${RUNS_DIR:-runs}
DATASETS=${DATASETS:-"cifar10 cifar100-20 stl10"}
METHODS=${METHODS:-"imsat miadm cce"}
SCAN_WEIGHTS=${SCAN_WEIGHTS:-weights/scan}
declare -A pretext=([cifar10]=simclr_cifar-10.pth.tar [cifar100-20]=simclr_cifar-20.pth.tar [stl10]=simclr_stl-10.pth.tar)
dirs=()
for ds in $DATASETS; do
  file="$SCAN_WEIGHTS/${pretext[$ds]}"
  if [[ -f "$file" ]]; then
    init=(--set "model.init=$file")
    suffix=""
  else
    echo "table4: $file not found: $ds runs from a random initialisation (scratch variant)" >&2
    init=(--set "model.init=")
    suffix="-scratch"
  fi
  for m in $METHODS; do
    name="t4-$ds-$m$suffix"
    echo "== $name" >&2
    "$CCT" train --config "configs/table4-$ds.yaml" "${init[@]}" --set "loss=$m" --name "$name" \
      --runs-dir "$RUNS_DIR" --resume --quiet "$@"
    dirs+=("$RUNS_DIR/$name")
  done
done
"$CCT" eval --table --rows loss --cols data.name --metric all "${dirs[@]}"
