#!/usr/bin/env bash
# The small sweep that sets each method's own setting for a table: every method of METHODS is
# trained at every value of one configuration key (KEY over VALUES, e.g. the learning rate) on
# the same configuration, data and seeds, and a markdown table of ACC mean (population std,
# divide by n) over the runs is printed, methods as rows and the key's values as columns. The
# best column of each row is the setting to record in that method's configuration (or in the
# table script's per-method arguments); every method gets the same grid and the same seeds.
#
#   CONFIG=configs/mnist-quick.yaml KEY=optim.lr VALUES="3e-4 1e-3 3e-3" scripts/sweep.sh --set runs=2
#   CONFIG=configs/table2-mnist.yaml KEY=optim.lr VALUES="0.1 1 5" METHODS="cce sela migd" \
#     scripts/sweep.sh --set data.split=test --set augment.whiten=128 --set runs=2
#   CONFIG=configs/mnist-quick.yaml KEY=optim.lr VALUES="1e-3" METHODS=cce scripts/sweep.sh \
#     --set runs=1 --set data.subset=300 --set epochs=1      # smoke test, about a minute
#   (extra arguments go to every `cct train`; the runs resume, so a sweep can be stopped and rerun)
#
# Environment: CCT (default bin/cct), RUNS_DIR (default runs), CONFIG, KEY, VALUES, METHODS
# (default "cce imsat iic sela miadm"), NAME (run folder prefix, default sweep-CONFIG-KEY).
set -euo pipefail
CCT=${CCT:-bin/cct}
RUNS_DIR=${RUNS_DIR:-runs}
: "${CONFIG:?set CONFIG to a configuration file, e.g. configs/mnist-quick.yaml}"
: "${KEY:?set KEY to the configuration key to sweep, e.g. optim.lr}"
: "${VALUES:?set VALUES to the values of KEY, e.g. \"3e-4 1e-3 3e-3\"}"
METHODS=${METHODS:-"cce imsat iic sela miadm"}
[ -f "$CONFIG" ] || { echo "sweep.sh: no configuration $CONFIG" >&2; exit 2; }
NAME=${NAME:-sweep-$(basename "$CONFIG" .yaml)-$KEY}
dirs=()
for m in $METHODS; do
  for v in $VALUES; do
    name="$NAME-$m-$v"
    echo "== $name" >&2
    "$CCT" train --config "$CONFIG" --set "loss=$m" --set "$KEY=$v" --name "$name" \
      --runs-dir "$RUNS_DIR" --resume --quiet "$@"
    dirs+=("$RUNS_DIR/$name")
  done
done
echo "Sweep of $KEY on $CONFIG: ACC mean (population std) over runs, in %."
"$CCT" eval --table --rows loss --cols "$KEY" --metric acc "${dirs[@]}"
