#!/usr/bin/env bash
# MobileNetV2-tiny on the GPU machine for docs/results.md, in one wall-clock
# budget: issue 7's direct training (mult, shift, add) on CIFAR-10 and
# Fashion-MNIST, and issue 8's ablation arms on CIFAR-10 with seeds 1 and 2,
# all runs at once on the one GPU.
#   scripts/gpu-training.sh OUTDIR [BUDGET_SECONDS (540)]
# Run from the repository root with the data copied into data/ (git-ignored):
# data/cifar10/cifar10-jpg.tar.xz and data/fashion-mnist/*-ubyte.gz.
#
# The budget decides the epochs: after building the trainer against the
# machine's pip PyTorch, every run starts for a few short epochs at once (the
# probe, so that its speed includes sharing the GPU); each group of runs then
# gets the most epochs that fit what is left, one count per group so that the
# ablation's arms compare at equal epochs; what still runs at the budget is
# stopped (its finished epochs stay in metrics.jsonl). Writes OUTDIR/plan.txt,
# OUTDIR/<run>/{metrics.jsonl,final.json,weights.json,log}, and all of it as
# OUTDIR.tar.gz (or $PACK), refreshed every 20 s.
set -euo pipefail
out=${1:?usage: gpu-training.sh OUTDIR [BUDGET_SECONDS]}
budget=${2:-540}
root=$(cd "$(dirname "$0")/.." && pwd)
start=$(date +%s)
deadline=$((start + budget))
mkdir -p "$out"
data=$root/data

# Name, group and options of every run. Groups share an epoch count; adder
# runs form their own groups (several times slower per step) and take
# --adder-eta 2: at these few epochs it beat AdderNet's 0.2 on CIFAR-10
# (one epoch: 40.52 against 35.92, docs/results.md).
batch=${BATCH:-256}
common=(--model mobilenetv2-tiny --device "${DEVICE:-cuda}" --batch "$batch" --optimizer sgd --lr 0.1 --weight-decay 4e-5
        --label-smoothing 0.1 --warmup-epochs 1 --threads 1 --quiet)
runs=()
for seed in 1 2; do
  runs+=("cifar10-mult-direct-$seed cifar10 --op mult --seed $seed"
         "cifar10-shift-direct-$seed cifar10 --op shift --seed $seed"
         "cifar10-add-direct-$seed cifar10-add --op add --adder-eta 2 --seed $seed"
         "cifar10-shift-mf-aug-$seed cifar10 --op shift --augment --aug-compute mf --seed $seed"
         "cifar10-shift-hybrid-naive-$seed cifar10 --op shift --augment --aug-compute hybrid --aug-sharing naive --seed $seed"
         "cifar10-shift-hybrid-remap-$seed cifar10 --op shift --augment --aug-compute hybrid --aug-sharing remap --seed $seed"
         "cifar10-mult-netaug-$seed cifar10 --op mult --augment --aug-compute mult --seed $seed")
done
runs+=("fashion-mult-direct-1 fashion --op mult --seed 1"
       "fashion-shift-direct-1 fashion --op shift --seed 1"
       "fashion-add-direct-1 fashion-add --op add --adder-eta 2 --seed 1")
# ONLY=REGEX keeps the runs whose names match (for trying the script out).
if [ -n "${ONLY:-}" ]; then
  kept=()
  for r in "${runs[@]}"; do [[ ${r%% *} =~ $ONLY ]] && kept+=("$r"); done
  runs=("${kept[@]}")
fi

# The build and the data conversion (no libjpeg headers there: CIFAR-10
# binary batches made with PIL; Fashion-MNIST gunzipped in case the build
# lacks zlib) run side by side. LibTorch 2.11 built as C++17 before; newer
# headers require C++20, the second try. SHIFTADD_TRAIN names an already
# built trainer instead.
train=${SHIFTADD_TRAIN:-}
if [ -z "$train" ]; then
  prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
  configure() {
    cmake -S "$root" -B "$root/build-gpu" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_CXX_STANDARD="$1" -DSHIFTADD_ENABLE_COMPILER=OFF -DSHIFTADD_ENABLE_TESTS=OFF &&
      cmake --build "$root/build-gpu" -j "$(nproc)"
  }
  ( configure 17 || configure 20 ) > "$out/build.log" 2>&1 &
  build=$!
fi
[ -f "$data/cifar10-bin/test_batch.bin" ] ||
  python3 "$root/scripts/cifar10_jpeg_to_bin.py" "$data/cifar10/cifar10-jpg.tar.xz" "$data/cifar10-bin"
mkdir -p "$data/fashion-raw"
for f in "$data"/fashion-mnist/*.gz; do
  raw=$data/fashion-raw/$(basename "$f" .gz)
  [ -f "$raw" ] || python3 -c "import gzip,shutil,sys; shutil.copyfileobj(gzip.open(sys.argv[1]), open(sys.argv[2],'wb'))" "$f" "$raw"
done
if [ -z "$train" ]; then
  if ! wait "$build"; then
    grep -E "error|Error" -A3 "$out/build.log" | head -40
    exit 1
  fi
  train=$root/build-gpu/bin/shiftadd-train
fi
echo "ready after $(($(date +%s) - start)) s: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1)"

# MPS runs the processes' kernels side by side instead of time-slicing the
# GPU between them; without it (or if it fails) the runs still share it.
mps=off
if command -v nvidia-cuda-mps-control > /dev/null; then
  export CUDA_MPS_PIPE_DIRECTORY=/tmp/mps-pipe CUDA_MPS_LOG_DIRECTORY=/tmp/mps-log
  mkdir -p /tmp/mps-pipe /tmp/mps-log
  if nvidia-cuda-mps-control -d && timeout 40 python3 -c 'import torch; torch.ones(1, device="cuda").sum().item()'; then
    mps=on
  else
    echo quit | nvidia-cuda-mps-control || true
    unset CUDA_MPS_PIPE_DIRECTORY CUDA_MPS_LOG_DIRECTORY
  fi
fi
echo "MPS $mps"

dataOptions() {
  case $1 in
    cifar10*) echo "--data cifar10 --data-path $data/cifar10-bin" ;;
    fashion*) echo "--data fashion-mnist --data-path $data/fashion-raw" ;;
  esac
}

# Whatever happens from here on, PACK (OUTDIR.tar.gz) holds the latest state.
packTo=${PACK:-$out.tar.gz}
pack() {
  local rc=0
  tar czf "$packTo.tmp" -C "$out" --exclude=checkpoint.pt . || rc=$?
  # 1: a file changed while it was read (the runs go on writing); the archive
  # is whole all the same.
  if [ $rc -le 1 ]; then mv "$packTo.tmp" "$packTo"; fi
}
( while sleep 20; do
    pack 2> /dev/null || true
    nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader >> "$out/gpu.log" 2>&1 || true
  done ) &
packer=$!
trap 'kill $packer 2>/dev/null || true; [ $mps = off ] || echo quit | nvidia-cuda-mps-control; pack' EXIT

# Probe: three epochs of 12 steps each; the second epoch's time is a step's
# cost once warm, with width augmentation on (first half) like early training.
probeSteps=12
pids=()
for r in "${runs[@]}"; do
  read -r name group options <<< "$r"
  mkdir -p "$out/probe/$name"
  # shellcheck disable=SC2046,SC2086
  "$train" "${common[@]}" $(dataOptions "$group") $options --epochs 3 --max-steps $probeSteps --test-limit 256 \
    --bn-batches 1 --out "$out/probe/$name" > "$out/probe/$name/log" 2>&1 & pids+=($!)
done
probeEnd=$(($(date +%s) + 150))
while [ "$(date +%s)" -lt $probeEnd ]; do
  settled=0
  for i in "${!runs[@]}"; do
    read -r name _ <<< "${runs[$i]}"
    m=$out/probe/$name/metrics.jsonl
    if { [ -f "$m" ] && [ "$(wc -l < "$m")" -ge 2 ]; } || ! kill -0 "${pids[$i]}" 2>/dev/null; then
      settled=$((settled + 1))
    fi
  done
  [ $settled -eq ${#runs[@]} ] && break
  sleep 2
done
kill "${pids[@]}" 2>/dev/null || true
wait "${pids[@]}" 2>/dev/null || true
rm -f "$out"/probe/*/checkpoint.pt

# Epochs per group from the probe: what is left, less the end of each run
# (BatchNorm re-estimation, the float and integer test passes, start-up).
python3 - "$out" "$deadline" "$probeSteps" "$batch" "${runs[@]}" > "$out/plan.txt" <<'PLAN'
import json, math, os, sys, time
out, deadline, probe_steps, batch, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:]
steps_per_epoch = {"cifar10": -(-50000 // batch), "fashion": -(-60000 // batch)}
left = deadline - time.time() - 60
cost = {}
for r in runs:
    name, group = r.split()[:2]
    lines = [json.loads(l) for l in open(os.path.join(out, "probe", name, "metrics.jsonl"))] \
        if os.path.exists(os.path.join(out, "probe", name, "metrics.jsonl")) else []
    if len(lines) < 2:
        print("%s: no probe (failed or too slow): %s" % (name, "see probe/%s/log" % name))
        continue
    step = lines[1]["seconds"] / probe_steps
    epoch = 1.1 * step * steps_per_epoch[group.split("-")[0]]  # + a test pass per epoch
    cost[group] = max(cost.get(group, 0), epoch)
    print("%s: %.3f s/step (probe, shared GPU), %.0f s/epoch estimated" % (name, step, epoch))
for group, epoch in sorted(cost.items()):
    print("group %s epochs %d" % (group, max(1, math.floor(0.8 * left / epoch))))
PLAN
cat "$out/plan.txt"

pids=()
for r in "${runs[@]}"; do
  read -r name group options <<< "$r"
  epochs=$(awk -v g="$group" '$1 == "group" && $2 == g { print $4 }' "$out/plan.txt")
  left=$((deadline - $(date +%s)))
  if [ -z "$epochs" ] || [ $left -le 30 ]; then continue; fi
  mkdir -p "$out/$name"
  # shellcheck disable=SC2046,SC2086
  timeout $left "$train" "${common[@]}" $(dataOptions "$group") $options --epochs "$epochs" \
    --out "$out/$name" > "$out/$name/log" 2>&1 & pids+=($!)
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
for r in "${runs[@]}"; do
  read -r name _ <<< "$r"
  echo "== $name: $(tail -1 "$out/$name/metrics.jsonl" 2>/dev/null) $(cat "$out/$name/final.json" 2>/dev/null)"
done
rm -f "$out"/*/checkpoint.pt
exit $status
