#!/usr/bin/env bash
# SpineKit vs ONNX Runtime on ONNX models: builds the release `spine`, then runs bench.py.
# usage: Benchmarks/onnx/run.sh [THREADS] [REPEAT] [ROUNDS]     (MODELS=a,b limits the models)
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --scratch-path .build-release --product spine
OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" python3 Benchmarks/onnx/bench.py "${1:-2}" "${2:-10}" "${3:-3}"
