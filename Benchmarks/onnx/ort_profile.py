#!/usr/bin/env python3
"""ONNX Runtime's time per node on an ONNX file, to set beside `spine onnx run --profile`.

Runs the model REPEAT times with profiling on (SessionOptions.enable_profiling writes a JSON trace)
and prints, per node of ORT's optimized graph, the fastest and the median kernel time [ms] (slowest
first), then the sum of the fastest and the median `model_run` time. The fastest run is the figure
least disturbed by other processes on a shared machine.

usage: Benchmarks/onnx/ort_profile.py MODEL.onnx INPUT.npy [THREADS] [REPEAT]
       (the files Benchmarks/onnx/run.sh leaves in .build-release/bench-onnx)
"""
import collections, json, os, sys, tempfile
import numpy as np
import onnxruntime as ort


def main():
    path, xin = sys.argv[1], sys.argv[2]
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    repeat = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.enable_profiling = True
    so.profile_file_prefix = os.path.join(tempfile.mkdtemp(), "ort")
    s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    feed = {s.get_inputs()[0].name: np.load(xin)}
    s.run(None, feed)
    for _ in range(repeat):
        s.run(None, feed)
    with open(s.end_profiling()) as f:
        events = json.load(f)
    per = collections.defaultdict(list)
    for e in events:
        if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
            per[(e["name"][: -len("_kernel_time")], e["args"].get("op_name", "?"))].append(e["dur"] / 1e3)
    runs = [e["dur"] / 1e3 for e in events if e.get("name") == "model_run"]
    print(f"threads={threads} repeat={repeat} onnxruntime={ort.__version__} loadavg={os.getloadavg()[0]:.2f}")
    print(f"{'fastest':>8} {'median':>8}  op / node [ms]")
    rows = sorted(per.items(), key=lambda kv: -min(kv[1]))
    for (name, op), d in rows:
        print(f"{min(d):8.3f} {float(np.median(d)):8.3f}  {op:<20} {name}")
    print(f"nodes: {len(rows)}, sum of fastest: {sum(min(d) for d in per.values()):.3f} ms, "
          f"median model_run: {float(np.median(runs[1:] or runs)):.3f} ms")


if __name__ == "__main__":
    main()
