#!/usr/bin/env bash
# The ShiftAddAug ablation (issue 8): MobileNetV2-tiny arms trained with the
# same data, epochs and seeds; prints a markdown table of the exported integer
# network's test accuracy (mean and spread over seeds), seconds per training
# step and peak resident memory of each arm; writes OUTDIR/accuracy.svg (test
# accuracy curves of the arms) and OUTDIR/weights.svg (a layer's weights as
# shared, remapped and quantized in the first ShiftAddAug run). A run that
# fails shows as failed; finished runs are kept, so running the same command
# again completes an interrupted ablation.
#   scripts/augment-ablation.sh DATA DATA_PATH EPOCHS "SEEDS" OUTDIR [extra shiftadd-train options]
# e.g. scripts/augment-ablation.sh digits data/digits/digits.csv.gz 15 "1 2" /tmp/ablation --batch 64
set -euo pipefail
data=$1 path=$2 epochs=$3 seeds=$4 out=$5
shift 5
mkdir -p "$out"
root=$(cd "$(dirname "$0")/.." && pwd)
train=${SHIFTADD_TRAIN:-$root/build/bin/shiftadd-train}
declare -A arms=(
  ["mult direct"]="--op mult"
  ["shift direct"]="--op shift"
  ["add direct"]="--op add"
  ["shift, MF augmentation"]="--op shift --augment --aug-compute mf"
  ["shift, hybrid, naive sharing"]="--op shift --augment --aug-compute hybrid --aug-sharing naive"
  ["shift, hybrid, remap (ShiftAddAug)"]="--op shift --augment --aug-compute hybrid --aug-sharing remap"
  ["shift, hybrid, binned map + KL (ShiftAddNAS)"]="--op shift --augment --aug-compute hybrid --aug-sharing binned"
  ["add, hybrid, remap (ShiftAddAug)"]="--op add --augment --aug-compute hybrid --aug-sharing remap"
  ["mult, mult augmentation (NetAug)"]="--op mult --augment --aug-compute mult"
)
order=("mult direct" "shift direct" "add direct" "shift, MF augmentation" "shift, hybrid, naive sharing"
       "shift, hybrid, remap (ShiftAddAug)" "shift, hybrid, binned map + KL (ShiftAddNAS)"
       "add, hybrid, remap (ShiftAddAug)" "mult, mult augmentation (NetAug)")
batch=$(echo "$@" | grep -oE -- '--batch [0-9]+' | grep -oE '[0-9]+' || echo 64)
echo "| arm | test accuracy, integer (mean ± spread) | per seed | s/step | peak RSS MB |"
echo "|---|---|---|---|---|"
curves=()
for arm in "${order[@]}"; do
  dirs=()
  for seed in $seeds; do
    dir=$out/$(echo "$arm" | tr -c 'a-zA-Z0-9\n' '-')-$seed
    dirs+=("$dir")
    # Finished runs are kept: running the script again redoes only the rest.
    [ -s "$dir/final.json" ] && continue
    rm -rf "$dir"
    # shellcheck disable=SC2086  # arms are lists of options
    /usr/bin/time -f "%M" -o "$dir.rss" "$train" --model mobilenetv2-tiny --data "$data" --data-path "$path" \
      --epochs "$epochs" --seed "$seed" --out "$dir" --quiet ${arms[$arm]} "$@" > "$dir.log" 2>&1 ||
      echo "augment-ablation.sh: $arm, seed $seed failed: $(tail -1 "$dir.log")" >&2
  done
  /usr/bin/python3 - "$arm" "$batch" "${dirs[@]}" <<'TABLE'
import json, os, sys
arm, batch, dirs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
accs, steps, rss = [], [], []
for d in dirs:
    final = os.path.join(d, "final.json")
    accs.append(json.load(open(final))["integer_test_accuracy"] if os.path.exists(final) else None)
    metrics = os.path.join(d, "metrics.jsonl")
    if os.path.exists(metrics):
        lines = [json.loads(l) for l in open(metrics)]
        steps.append(sum(l["seconds"] for l in lines) / sum(l["images_per_second"] * l["seconds"] for l in lines) * batch)
    if os.path.exists(d + ".rss"):
        rss.append(int(open(d + ".rss").read().split()[-1]))
done = [a for a in accs if a is not None]
summary = "%.2f ± %.2f" % (sum(done) / len(done), (max(done) - min(done)) / 2) if done else "-"
per_seed = ", ".join("%.2f" % a if a is not None else "failed" for a in accs)
print("| %s | %s | %s | %s | %s |" % (arm, summary, per_seed, "%.3f" % (sum(steps) / len(steps)) if steps else "-",
                                     "%.0f" % (max(rss) / 1024) if rss else "-"))
TABLE
  plotted=()
  for dir in "${dirs[@]}"; do [ -s "$dir/metrics.jsonl" ] && plotted+=("$dir"); done
  [ ${#plotted[@]} -gt 0 ] && curves+=("$arm=$(IFS=,; echo "${plotted[*]}")")
  if [ "$arm" = "shift, hybrid, remap (ShiftAddAug)" ]; then weightsRun=${dirs[0]}; fi
done
plot=$root/scripts/plot-runs.py
/usr/bin/python3 "$plot" curves "$out/accuracy.svg" "${curves[@]}"
/usr/bin/python3 "$plot" weights "$out/weights.svg" "$weightsRun"
