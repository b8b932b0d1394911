#!/usr/bin/env bash
# Table 5: weak supervision. For every dataset whose files exist, each seed fraction and each method
# (the seed CE alone, then each self-labeling loss added to it), prints one markdown table per
# dataset: plain accuracy (no cluster-to-class matching: output c is trained to be class c) mean
# (population std, divide by n) over the runs, in %, the paper's value (STL10 and CIFAR10 only, no
# std given) beside ours.
#
#   scripts/table5.sh                                     # BUDGET=quick
#   BUDGET=full scripts/table5.sh
#   CIFAR10_JPEG=/tmp/cifar10-jpg/train scripts/table5.sh # adds the CIFAR-10 JPEG table
#   DATASETS=mnist FRACTIONS=0.01 METHODS="seeds cce" scripts/table5.sh --set runs=1 --set data.subset=300 --set epochs=1
#   (extra arguments go to every `cct train`; the last line is a smoke test of a few minutes)
#
# BUDGET=full: configs/table5-DATASET.yaml (VGG4 from scratch, Adam lr 1e-4, weight decay 0.01,
#   batch 250, 50 epochs, β = 0.5, 6 seeds, train split → test split), fractions 0.1 0.05 0.01;
#   MNIST (not in the paper's table) uses configs/mnist.yaml with the same fractions.
# BUDGET=quick (CPU-sized): 3 seeds, fractions 0.1 and 0.01. MNIST is configs/mnist-quick.yaml
#   (22,000 training images, 3 epochs, batch 100, Adam lr 1e-3 with warm-up and cosine decay, scored
#   on the 10,000 test images); the RGB datasets take the same optimiser on a seeded 10,000-image
#   subset of the train split for 5 epochs, scored on the test split (the CIFAR-10 JPEG copy has
#   only the train split and is scored on its training subset, seed examples included).
#
# Datasets whose files are missing are skipped with one line saying so (`cct data get NAME`).
# Environment: CCT (default bin/cct), RUNS_DIR (default runs), BUDGET, DATASETS, FRACTIONS, METHODS,
# CIFAR10_JPEG (folder of the CIFAR-10 JPEG training images in class folders).
set -euo pipefail
CCT=${CCT:-bin/cct}
RUNS_DIR=${RUNS_DIR:-runs}
BUDGET=${BUDGET:-quick}
DATASETS=${DATASETS:-"stl10 cifar10 cifar10-jpeg mnist"}
METHODS=${METHODS:-"seeds imsat iic sela miadm cce"}
case $BUDGET in
quick) FRACTIONS=${FRACTIONS:-"0.1 0.01"}
       rgb=(--set runs=3 --set data.subset=10000 --set epochs=5 --set batch=100 --set optim.lr=0.001
            --set optim.schedule=cosine --set optim.warmup=100) ;;
full)  FRACTIONS=${FRACTIONS:-"0.1 0.05 0.01"}
       rgb=() ;;
*) echo "BUDGET=$BUDGET: want quick or full" >&2; exit 2 ;;
esac
echo "Table 5 ($BUDGET budget): plain accuracy mean (population std) over runs, in %; paper: full protocol, no std."
for ds in $DATASETS; do
  args=("${rgb[@]}")
  cfg=configs/table5-$ds.yaml
  label=$ds
  case $ds in
  cifar10-jpeg)
    if [ -z "${CIFAR10_JPEG:-}" ] || [ ! -d "$CIFAR10_JPEG" ]; then
      echo "skip cifar10-jpeg: set CIFAR10_JPEG to the folder of the CIFAR-10 JPEG training images" >&2
      continue
    fi
    cfg=configs/table5-cifar10.yaml
    label="CIFAR10 JPEG"
    args+=(--set "data.name=imagefolder:$CIFAR10_JPEG" --set data.split=train --set eval.split=) ;;
  *)
    if ! "$CCT" data info "$ds" >/dev/null 2>&1; then
      echo "skip $ds: its files are missing or incomplete (cct data get $ds)" >&2
      continue
    fi
    case $ds in
    stl10) label=STL10 ;;
    cifar10) label=CIFAR10 ;;
    mnist)
      label=MNIST
      if [ "$BUDGET" = quick ]; then cfg=configs/mnist-quick.yaml; args=(--set runs=3); else cfg=configs/mnist.yaml; fi ;;
    esac ;;
  esac
  [ -f "$cfg" ] || { echo "skip $ds: no configuration $cfg" >&2; continue; }
  dirs=()
  cols=()
  for f in $FRACTIONS; do
    cols+=(--col-label "$f=$label $f")
    for m in $METHODS; do
      name="t5-$BUDGET-$ds-$f-$m"
      echo "== $name" >&2
      "$CCT" train --config "$cfg" --set "loss=$m" --set "seeds.fraction=$f" \
        --name "$name" --runs-dir "$RUNS_DIR" --resume --quiet "${args[@]}" "$@"
      dirs+=("$RUNS_DIR/$name")
    done
  done
  echo
  echo "### $label"
  "$CCT" eval --table --rows loss --cols seeds.fraction --metric acc --paper scripts/paper/table5.csv \
    "${cols[@]}" "${dirs[@]}"
done
