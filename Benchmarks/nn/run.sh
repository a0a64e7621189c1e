#!/usr/bin/env bash
# Reference 2-D U-Net (4 levels, 32 base, 2×(3×3 conv+BN+ReLU), max-pool down, transposed-conv up,
# 1 → 12 classes, 256×256, batch 1): SpineNN (release) vs PyTorch eager channels-last and ONNX
# Runtime on the same weights and thread count, in one run, with the ratios; then one training step
# (forward, backward, AdamW, batch 2) against PyTorch.
# Needs python3 with numpy, torch and onnxruntime + onnx (PyPI; benchmarks only).
# usage: [PRECISION=fp32|bf16] [TRAIN_PRECISION=fp32|bf16] [TRAIN_BATCH=2] [TRAIN_STEPS=5]
#        Benchmarks/nn/run.sh [THREADS] [REPEATS] [more SpineNNBench options, e.g. --3d --depth 32 --size 128 --base 16]
# (with bf16, the parity lines show how bf16 logits compare with the peers' float32 ones;
# TRAIN_PRECISION=bf16 trains SpineNN in bf16 and PyTorch under autocast(bfloat16))
set -euo pipefail
cd "$(dirname "$0")/../.."
THREADS=${1:-$(nproc)}
REPEATS=${2:-20}
shift $(($# > 2 ? 2 : $#))
TRAIN_PRECISION=${TRAIN_PRECISION:-fp32}
TRAIN_BATCH=${TRAIN_BATCH:-2}
TRAIN_STEPS=${TRAIN_STEPS:-5}
export TRAIN_PRECISION
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
swift build -c release --scratch-path .build-release --product SpineNNBench >/dev/null
OUT=$(.build-release/release/SpineNNBench --threads "$THREADS" --repeats "$REPEATS" --precision "${PRECISION:-fp32}" \
    --train-precision "$TRAIN_PRECISION" --train-batch "$TRAIN_BATCH" --train-steps "$TRAIN_STEPS" --export "$TMP" "$@")
echo "$OUT"
FWD=$(echo "$OUT" | sed -n 's/^spinenn_forward.*median_ms=\([0-9.]*\).*/\1/p')
TRAIN=$(echo "$OUT" | sed -n 's/^spinenn_train_step.*median_ms=\([0-9.]*\).*/\1/p')
SPINENN_FORWARD_MS=$FWD SPINENN_TRAIN_MS=$TRAIN python3 -W ignore Benchmarks/nn/peers.py "$TMP" "$THREADS" "$REPEATS" "$TRAIN_BATCH" "$TRAIN_STEPS"
