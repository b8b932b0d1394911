#!/usr/bin/env bash
# Table 5: weak supervision. For each dataset, seed fraction and method (seeds alone, then each
# self-labeling loss added to the seed CE), 6 seeds; prints one markdown table per dataset of ACC
# mean (std), methods × seed fractions.
#
#   scripts/table5.sh
#   DATASETS="cifar10" FRACTIONS="0.1" METHODS="seeds cce" scripts/table5.sh --set runs=1
#
# Environment: CCT (default bin/cct), RUNS_DIR (default runs), DATASETS, FRACTIONS, METHODS.
set -euo pipefail
CCT=${CCT:-bin/cct}
RUNS_DIR=${RUNS_DIR:-runs}
DATASETS=${DATASETS:-"stl10 cifar10"}
FRACTIONS=${FRACTIONS:-"0.1 0.05 0.01"}
METHODS=${METHODS:-"seeds imsat iic sela miadm cce"}
for ds in $DATASETS; do
  dirs=()
  for f in $FRACTIONS; do
    for m in $METHODS; do
      name="t5-$ds-$f-$m"
      echo "== $name" >&2
      "$CCT" train --config "configs/table5-$ds.yaml" --set "loss=$m" --set "seeds.fraction=$f" \
        --name "$name" --runs-dir "$RUNS_DIR" --resume --quiet "$@"
      dirs+=("$RUNS_DIR/$name")
    done
  done
  echo "### $ds"
  "$CCT" eval --table --rows loss --cols seeds.fraction --metric acc "${dirs[@]}"
done
