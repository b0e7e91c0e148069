#!/usr/bin/env bash
# Sets up everything shiftadd needs on Debian 12 and builds it.
#   scripts/setup.sh                  install missing packages, configure, build
# Environment: SHIFTADD_BUILD_DIR (default ./build), SHIFTADD_CMAKE_ARGS (extra
# cmake arguments, e.g. -DSHIFTADD_ENABLE_TRAINER=OFF). Safe to run again: it
# installs only what is missing and rebuilds only what changed.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${SHIFTADD_BUILD_DIR:-$root/build}

say() { printf '\n==> %s\n' "$*"; }
die() { printf 'setup.sh: error: %s\n' "$*" >&2; exit 1; }

# The pinned toolchain (docs/toolchain notes): MLIR/LLVM/clang 22 come from
# bookworm-security; never mix them with the 19.x in bookworm main.
packages=(
  libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools clang-22 lld libclang-rt-22-dev
  libtorch-dev libonnx-dev libprotobuf-dev protobuf-compiler
  python3-onnx python3-torch python3-opencv
  qemu-user qemu-system-arm qemu-system-misc
  gcc-arm-none-eabi libnewlib-arm-none-eabi gcc-aarch64-linux-gnu libc6-dev-arm64-cross
  cmake ninja-build g++ libgtest-dev libbenchmark-dev libjpeg-dev
  dataset-fashion-mnist valgrind python3-numpy libonnx-testdata zlib1g-dev liblzma-dev
)

[ -r /etc/debian_version ] || die "this script supports Debian 12 (bookworm); /etc/debian_version not found"

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "need root to install: ${missing[*]}"
    sudo=sudo
  fi
  say "Installing ${#missing[@]} Debian packages: ${missing[*]}"
  $sudo apt-get update
  if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; then
    die "apt-get install failed; MLIR 22 needs the bookworm-security suite in the apt sources"
  fi
else
  say "All ${#packages[@]} Debian packages are installed"
fi

mlir_version=$(dpkg-query -W -f='${Version}' libmlir-22-dev)
case "$mlir_version" in
  *22.1.*) ;;
  *) die "libmlir-22-dev is $mlir_version, expected 22.1.x" ;;
esac

# The UCI optical digits (1,797 8x8 images) for the trainer's tests and demo:
# digits.csv.gz inside Debian's python3-sklearn package, extracted, not installed.
digits=$root/data/digits/digits.csv.gz
if [ ! -s "$digits" ]; then
  say "Extracting the UCI digits from Debian's python3-sklearn package"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  if ! (cd "$tmp" && apt-get download python3-sklearn >/dev/null 2>&1); then
    [ "$(id -u)" -eq 0 ] && apt-get update >/dev/null
    (cd "$tmp" && apt-get download python3-sklearn) || die "cannot download python3-sklearn (Debian archive unreachable?)"
  fi
  dpkg-deb -x "$tmp"/python3-sklearn_*.deb "$tmp/x"
  mkdir -p "$(dirname "$digits")"
  cp "$(find "$tmp/x" -name digits.csv.gz | head -1)" "$digits.tmp" && mv "$digits.tmp" "$digits"
fi

say "Configuring in $build"
# shellcheck disable=SC2086  # SHIFTADD_CMAKE_ARGS is a list of words
cmake -S "$root" -B "$build" -G Ninja ${SHIFTADD_CMAKE_ARGS:-}

say "Building (2 jobs)"
cmake --build "$build" -j2
say "Build ready in $build"
