#!/usr/bin/env bash
# SpineKit vs ONNX Runtime on ONNX models: builds the release `spine`, then runs bench.py.
# usage: Benchmarks/onnx/run.sh [THREADS] [REPEAT] [ROUNDS]     (MODELS=a,b limits the models)
# Each runtime runs with its default threading: OpenMP's default wait policy for SpineKit (threads spin briefly
# between parallel regions, as ONNX Runtime's own pool does); OMP_WAIT_POLICY=PASSIVE, set by this script until
# session 6, makes SpineKit's threads sleep between nodes (~25 us to wake each; detector 2 threads: 0.65 vs 0.9 ms).
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --scratch-path .build-release --product spine
python3 Benchmarks/onnx/bench.py "${1:-2}" "${2:-10}" "${3:-3}"
