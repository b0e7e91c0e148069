#!/usr/bin/env bash
# The ShiftAddAug ablation (issue 8): MobileNetV2-tiny arms trained with the
# same data, epochs and seeds; prints a markdown table of the exported integer
# network's test accuracy (mean and spread over seeds), seconds per training
# step and peak resident memory of each arm; writes OUTDIR/accuracy.svg (test
# accuracy curves of the arms) and OUTDIR/weights.svg (a layer's weights as
# shared, remapped and quantized in the first ShiftAddAug run).
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
"shift, hybrid, remap (ShiftAddAug)"
       "shift, hybrid, binned map + KL (ShiftAddNAS)" "add direct" "add, hybrid, remap (ShiftAddAug)"
       "mult, mult augmentation (NetAug)")
echo "| arm | test accuracy, integer (mean ± spread) | per seed | s/step | peak RSS MB |"
echo "|---|---|---|---|---|"
declare -A seen
curves=()
for arm in "${order[@]}"; do
  [ -n "${seen[$arm]:-}" ] && continue
  seen[$arm]=1
  accs=() steps=() rss=() dirs=()
  for seed in $seeds; do
    dir=$out/$(echo "$arm" | tr -c 'a-zA-Z0-9\n' '-')-$seed
    dirs+=("$dir")
    # shellcheck disable=SC2086  # arms are lists of options
    /usr/bin/time -f "%M" -o "$dir.rss" "$train" --model mobilenetv2-tiny --data "$data" --data-path "$path" \
      --epochs "$epochs" --seed "$seed" --out "$dir" --quiet ${arms[$arm]} "$@"
    accs+=("$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['integer_test_accuracy'])" "$dir/final.json")")
    steps+=("$(/usr/bin/python3 -c "
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
print(sum(l['seconds'] for l in lines) / sum(l['images_per_second'] * l['seconds'] for l in lines) * int(sys.argv[2]))
" "$dir/metrics.jsonl" "$(echo "$@" | grep -oE -- '--batch [0-9]+' | grep -oE '[0-9]+' || echo 64)")")
    rss+=("$(tail -1 "$dir.rss")")
  done
  /usr/bin/python3 - "$arm" "${accs[*]}" "${steps[*]}" "${rss[*]}" <<'TABLE'
import sys
arm, accs, steps, rss = sys.argv[1], [float(x) for x in sys.argv[2].split()], [float(x) for x in sys.argv[3].split()], [float(x) for x in sys.argv[4].split()]
mean = sum(accs) / len(accs)
print("| %s | %.2f ± %.2f | %s | %.3f | %.0f |" % (arm, mean, (max(accs) - min(accs)) / 2, ", ".join("%.2f" % a for a in accs),
                                               sum(steps) / len(steps), max(rss) / 1024))
TABLE
  curves+=("$arm=$(IFS=,; echo "${dirs[*]}")")
  if [ "$arm" = "shift, hybrid, remap (ShiftAddAug)" ]; then weightsRun=${dirs[0]}; fi
done
plot=$root/scripts/plot-runs.py
/usr/bin/python3 "$plot" curves "$out/accuracy.svg" "${curves[@]}"
/usr/bin/python3 "$plot" weights "$out/weights.svg" "$weightsRun"
