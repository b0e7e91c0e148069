#!/usr/bin/env bash
# Training throughput of shiftadd-train (C++, LibTorch) against the same model,
# batch and step in Debian's python3-torch (bench/train_speed.py), side by
# side in one run on this machine: MobileNetV2-tiny on CIFAR-10 (the JPEG
# archive, decoded once into the cache), mult and shift bodies.
#   bench/train_speed.sh [CIFAR_ARCHIVE] [STEPS] [BATCH] [THREADS] [REPEATS]
# Prints a markdown table of images per second over STEPS training steps after
# 3 warm-up steps, on both sides: the best of REPEATS (3) measurements, C++ and
# Python alternating, since a run on these shared cores can lose a third of its
# speed to a neighbour.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
archive=${1:-$root/../shared/data/cifar10/cifar10-jpg.tar.xz}
steps=${2:-20}
batch=${3:-128}
threads=${4:-2}
repeats=${5:-3}
train=$root/build/bin/shiftadd-train
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cache=$root/build/data-cache
mkdir -p "$cache"
echo "| operator | shiftadd-train (C++) img/s | python3-torch img/s | C++ / Python |"
echo "|---|---|---|---|"
# Seconds of an epoch of N steps (the first line of metrics.jsonl).
cpp_seconds() {
  "$train" --model mobilenetv2-tiny --op "$1" --data cifar10-jpeg --data-path "$archive" --cache-dir "$cache" \
    --epochs 1 --max-steps "$2" --batch "$batch" --threads "$threads" --lr 0.05 --weight-decay 4e-5 \
    --label-smoothing 0.1 --test-limit 256 --out "$work/$1-$2" --quiet
  /usr/bin/python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).readline())['seconds'])" "$work/$1-$2/metrics.jsonl"
}
best() { /usr/bin/python3 -c "import sys; print('%.1f' % max(map(float, sys.argv[1:])))" "$@"; }
for op in mult shift; do
  cpps=() pys=()
  for _ in $(seq "$repeats"); do
    # C++: the difference of a 3-step and a (STEPS + 3)-step epoch, so that
    # both sides time STEPS steps after 3 warm-up steps.
    warm=$(cpp_seconds "$op" 3)
    full=$(cpp_seconds "$op" $((steps + 3)))
    cpps+=("$(/usr/bin/python3 -c "print($steps * $batch / ($full - $warm))")")
    pys+=("$(/usr/bin/python3 "$root/bench/train_speed.py" "$cache/cifar10-jpeg-train.bin" "$op" "$steps" "$batch" "$threads")")
  done
  cpp=$(best "${cpps[@]}") py=$(best "${pys[@]}")
  echo "| $op | $cpp | $py | $(/usr/bin/python3 -c "print('%.2f' % ($cpp / $py))") |"
done
