#!/usr/bin/env bash
# Figure 2: supervised ResNet-18 on CIFAR-10 from noisy soft labels, Shannon CE vs collision CE,
# over the noise level η (SPEC §9 noise model); prints test ACC per loss and η as a markdown table.
#
#   scripts/figure2.sh
#   NOISES="0 0.5 0.9" scripts/figure2.sh --set epochs=5
#
# Environment: CCT (default bin/cct), RUNS_DIR (default runs), NOISES, LOSSES.
set -euo pipefail
CCT=${CCT:-bin/cct}
RUNS_DIR=${RUNS_DIR:-runs}
NOISES=${NOISES:-"0 0.1 0.2 0.3 0.4 0.5 0.6 0.7 0.8 0.9"}
LOSSES=${LOSSES:-"supervised-ce supervised-cce"}
dirs=()
for eta in $NOISES; do
  for l in $LOSSES; do
    name="f2-$l-$eta"
    echo "== $name" >&2
    "$CCT" train --config configs/figure2.yaml --set "loss=$l" --set "labels.noise=$eta" \
      --name "$name" --runs-dir "$RUNS_DIR" --resume --quiet "$@"
    dirs+=("$RUNS_DIR/$name")
  done
done
"$CCT" eval --table --rows loss --cols labels.noise --metric acc "${dirs[@]}"
