#!/usr/bin/env bash
# SpineKit vs ONNX Runtime on ONNX models: builds the release `spine`, then runs bench.py.
# usage: Benchmarks/onnx/run.sh [THREADS] [REPEAT]
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --scratch-path .build-release --product spine
python3 Benchmarks/onnx/bench.py "${1:-2}" "${2:-10}"
