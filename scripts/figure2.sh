#!/usr/bin/env bash
# Figure 2: supervised training from noisy soft labels, Shannon CE (supervised-ce) against
# collision CE (supervised-cce), over the noise level η, on every dataset whose files exist. With
# probability η an example's one-hot label is replaced (the paper does not say how): REPLACE lists
# the replacement models, each a value of the config key labels.replace_with:
#   dirichlet  y ~ Dirichlet(1_K) (the default of labels.replace_with)
#   uniform    y = 1/K, a label that says nothing about the class
# The same examples are replaced under both, and η = 0 is run once for both.
# For each dataset and replacement model it prints a markdown table of test plain accuracy (no
# matching: output c is trained to be class c) mean (population std, divide by n) over the runs, in %, the paper's value
# beside ours (the paper gives Figure 2 only as a plot, so its cells are empty), and writes the plot
# figure2-DATASET-REPLACE.png (accuracy against η, one line per loss, ±std bars) into RUNS_DIR.
#
#   scripts/figure2.sh                                    # BUDGET=quick
#   BUDGET=full scripts/figure2.sh
#   REPLACE=uniform DATASETS=mnist scripts/figure2.sh
#   DATASETS=mnist NOISES="0 0.5" scripts/figure2.sh --set runs=1 --set data.subset=300 --set epochs=1
#   (extra arguments go to every `cct train`; the last line is a smoke test of a few minutes)
#
# BUDGET=full: configs/figure2.yaml (torchvision ResNet-18 on CIFAR-10, Adam lr 1e-3, weight decay
#   1e-4, batch 200, 50 epochs, train split → test split), η = 0, 0.1, …, 0.9, 3 seeds (the paper
#   does not say how many runs its plot averages). MNIST uses configs/mnist.yaml's VGG4 protocol
#   with the train split → test split.
# BUDGET=quick (CPU-sized, about 3 minutes per MNIST run on 2 idle cores): 2 seeds,
#   η = 0, 0.2, 0.4, 0.6, 0.8, 0.9. MNIST is configs/mnist-quick.yaml (VGG4, batch 100, Adam lr 1e-3
#   with warm-up and cosine decay, scored on the 10,000 test images) on a seeded 10,000-image subset
#   for 2 epochs; CIFAR-10 is configs/figure2.yaml on a seeded 5,000-image subset for 5 epochs.
#
# Datasets whose files are missing are skipped with one line saying so (`cct data get NAME`).
# Environment: CCT (default bin/cct), RUNS_DIR (default runs), BUDGET, DATASETS, NOISES, LOSSES,
# REPLACE (default "dirichlet uniform").
set -euo pipefail
CCT=${CCT:-bin/cct}
RUNS_DIR=${RUNS_DIR:-runs}
BUDGET=${BUDGET:-quick}
DATASETS=${DATASETS:-"cifar10 mnist"}
LOSSES=${LOSSES:-"supervised-ce supervised-cce"}
REPLACE=${REPLACE:-"dirichlet uniform"}
case $BUDGET in
quick) NOISES=${NOISES:-"0 0.2 0.4 0.6 0.8 0.9"} ;;
full) NOISES=${NOISES:-"0 0.1 0.2 0.3 0.4 0.5 0.6 0.7 0.8 0.9"} ;;
*) echo "BUDGET=$BUDGET: want quick or full" >&2; exit 2 ;;
esac
done_any=0
for ds in $DATASETS; do
  if ! "$CCT" data info "$ds" >/dev/null 2>&1; then
    echo "skip $ds: its files are missing or incomplete (cct data get $ds)" >&2
    continue
  fi
  case $ds:$BUDGET in
  cifar10:full) cfg=configs/figure2.yaml; args=(--set runs=3) ;;
  cifar10:quick) cfg=configs/figure2.yaml; args=(--set runs=2 --set data.subset=5000 --set epochs=5) ;;
  mnist:full) cfg=configs/mnist.yaml; args=(--set runs=3 --set data.split=train --set eval.split=test) ;;
  mnist:quick) cfg=configs/mnist-quick.yaml; args=(--set runs=2 --set data.subset=10000 --set epochs=2) ;;
  *) echo "skip $ds: figure2.sh covers cifar10 and mnist" >&2; continue ;;
  esac
  for rep in $REPLACE; do
    dirs=()
    for eta in $NOISES; do
      tag=$rep rw=$rep
      case $eta in 0 | 0.0) tag=clean rw=dirichlet ;; esac # η = 0 replaces nothing: one run serves both
      for l in $LOSSES; do
        name="f2-$BUDGET-$ds-$tag-$l-$eta"
        echo "== $name" >&2
        "$CCT" train --config "$cfg" --set "loss=$l" --set "labels.noise=$eta" \
          --set "labels.replace_with=$rw" --name "$name" --runs-dir "$RUNS_DIR" --resume --quiet \
          "${args[@]}" "$@"
        dirs+=("$RUNS_DIR/$name")
      done
    done
    echo
    echo "### Figure 2 on $ds, labels replaced by $rep ($BUDGET budget): plain accuracy mean (population std) over runs, in %"
    "$CCT" eval --table --rows loss --cols labels.noise --metric acc --paper scripts/paper/figure2.csv \
      --plot "$RUNS_DIR/figure2-$ds-$rep.png" --plot-title "Figure 2, $ds: labels replaced by $rep with probability η" \
      "${dirs[@]}"
    echo "plot: $RUNS_DIR/figure2-$ds-$rep.png"
  done
  done_any=1
done
[ $done_any = 1 ] || { echo "no dataset available" >&2; exit 1; }
