#!/usr/bin/env bash
# Direct training of MobileNetV2-tiny with mult, shift and add convolutions on
# CIFAR-10 (the JPEG archive) and Fashion-MNIST, all six runs at once on one
# CUDA GPU, for docs/results.md. Run from the repository root on the GPU
# machine with the data copied into data/ (git-ignored):
#   data/cifar10/cifar10-jpg.tar.xz, data/fashion-mnist/*-ubyte.gz
#   scripts/gpu-direct-training.sh OUTDIR [CIFAR_EPOCHS] [FASHION_EPOCHS]
# With PROBE=1 it only builds, checks every operator on CUDA with the digits
# set (data/digits/digits.csv.gz) and times a few CIFAR-10 steps per operator.
# It builds the trainer alone against the machine's pip PyTorch, converts the
# data with python3 when the build lacks libjpeg/zlib, and writes each run's
# metrics.jsonl, final.json and log under OUTDIR/<data>-<op>/.
set -euo pipefail
out=${1:?usage: gpu-direct-training.sh OUTDIR [CIFAR_EPOCHS] [FASHION_EPOCHS]}
cifar_epochs=${2:-20}
fashion_epochs=${3:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"

prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
cmake -S "$root" -B "$root/build-gpu" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  -DSHIFTADD_ENABLE_COMPILER=OFF -DSHIFTADD_ENABLE_TESTS=OFF > "$out/cmake.log" 2>&1 || { tail -30 "$out/cmake.log"; exit 1; }
cmake --build "$root/build-gpu" -j 16 > "$out/build.log" 2>&1 || { grep -E "error" -A5 "$out/build.log" | head -60; exit 1; }
train=$root/build-gpu/bin/shiftadd-train

# Data in formats this build reads: the JPEG archive itself when the build
# has libjpeg + liblzma, else CIFAR-10 binary batches converted by python3 +
# PIL; raw IDX files when it lacks zlib.
data=$root/data
if grep -q '^#define SHIFTADD_HAVE_JPEG' "$root/build-gpu/training/include/shiftadd/train/Config.h"; then
  cifar=(--data cifar10-jpeg --data-path "$data/cifar10/cifar10-jpg.tar.xz" --cache-dir "$data/cifar10")
else
  [ -f "$data/cifar10-bin/test_batch.bin" ] ||
    python3 "$root/scripts/cifar10_jpeg_to_bin.py" "$data/cifar10/cifar10-jpg.tar.xz" "$data/cifar10-bin"
  cifar=(--data cifar10 --data-path "$data/cifar10-bin")
fi
mkdir -p "$data/fashion-raw"
for f in "$data"/fashion-mnist/*.gz; do
  raw=$data/fashion-raw/$(basename "$f" .gz)
  [ -f "$raw" ] || python3 -c "import gzip,shutil,sys; shutil.copyfileobj(gzip.open(sys.argv[1]), open(sys.argv[2],'wb'))" "$f" "$raw"
done

if [ "${PROBE:-0}" = 1 ]; then
  for op in mult shift add; do
    "$train" --data digits --data-path "$data/digits/digits.csv.gz" --device cuda --op $op --epochs 2 \
      --out "$out/digits-$op" --quiet && cat "$out/digits-$op/final.json"
    time "$train" --model mobilenetv2-tiny "${cifar[@]}" --device cuda --op $op --batch 128 \
      --epochs 1 --max-steps 40 --out "$out/probe-$op" --quiet && tail -1 "$out/probe-$op/metrics.jsonl"
  done
  rm -f "$out"/*/checkpoint.pt
  exit 0
fi

common=(--model mobilenetv2-tiny --device cuda --batch 256 --optimizer sgd --lr 0.1 --weight-decay 4e-5
        --label-smoothing 0.1 --warmup-epochs 1 --seed 1 --quiet)
pids=()
for op in mult shift add; do
  mkdir -p "$out/cifar10-$op" "$out/fashion-$op"
  timeout "${RUN_LIMIT:-100000}" "$train" "${common[@]}" --op "$op" "${cifar[@]}" --epochs "$cifar_epochs" \
    --out "$out/cifar10-$op" > "$out/cifar10-$op/log" 2>&1 & pids+=($!)
  timeout "${RUN_LIMIT:-100000}" "$train" "${common[@]}" --op "$op" --data fashion-mnist --data-path "$data/fashion-raw" --epochs "$fashion_epochs" \
    --out "$out/fashion-$op" > "$out/fashion-$op/log" 2>&1 & pids+=($!)
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
for d in "$out"/*/; do
  echo "== $d"; tail -2 "$d/log"; cat "$d/final.json" 2>/dev/null || true
done
rm -f "$out"/*/checkpoint.pt # large; the metrics and final.json are what come back
exit $status
