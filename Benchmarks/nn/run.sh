#!/usr/bin/env bash
# Reference 2-D U-Net (4 levels, 32 base, 2×(3×3 conv+BN+ReLU), max-pool down, transposed-conv up,
# 1 → 12 classes, 256×256, batch 1): SpineNN (release) vs PyTorch eager channels-last and ONNX
# Runtime on the same weights and thread count, in one run, with the ratios; then one training step
# (forward, backward, AdamW, batch 2) against PyTorch.
# Needs python3 with numpy, torch and onnxruntime + onnx (PyPI; benchmarks only).
# usage: [PRECISION=fp32|bf16] Benchmarks/nn/run.sh [THREADS] [REPEATS]
# (with bf16, the parity lines show how bf16 logits compare with the peers' float32 ones)
set -euo pipefail
cd "$(dirname "$0")/../.."
THREADS=${1:-$(nproc)}
REPEATS=${2:-20}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
swift build -c release --scratch-path .build-release --product SpineNNBench >/dev/null
OUT=$(.build-release/release/SpineNNBench --threads "$THREADS" --repeats "$REPEATS" --precision "${PRECISION:-fp32}" --export "$TMP")
echo "$OUT"
FWD=$(echo "$OUT" | sed -n 's/^spinenn_forward.*median_ms=\([0-9.]*\).*/\1/p')
TRAIN=$(echo "$OUT" | sed -n 's/^spinenn_train_step.*median_ms=\([0-9.]*\).*/\1/p')
SPINENN_FORWARD_MS=$FWD SPINENN_TRAIN_MS=$TRAIN python3 -W ignore Benchmarks/nn/peers.py "$TMP" "$THREADS" "$REPEATS"
