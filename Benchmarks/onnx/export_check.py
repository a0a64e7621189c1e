#!/usr/bin/env python3
"""ONNX Runtime cross-check of SpineKit's ONNX export (SpineNN/Export): the exported files load and
run in ONNX Runtime (PyPI onnxruntime; never a runtime dependency) and give SpineKit's native output.

1. `spine onnx export --model MODEL_DIR --out unet.onnx --sample-input x.npy --sample-output native.npy`
   on a model folder written by `spine train`; ONNX Runtime runs unet.onnx on x.npy; also
   `spine onnx run` (SpineKit's fused ONNXSession) on the same file.
2. `SpineNNBench export --write DIR` (random-weight ResNet-18 and CenterNet with non-trivial batch-norm
   statistics): ONNX Runtime runs each <net>.onnx on <net>-input.npy against <net>-native-<output>.npy.

Prints, per output, max |ORT − native| (absolute, and relative to max |native|); exits 1 when a
relative difference exceeds 1e-4 (float32).

usage: Benchmarks/onnx/export_check.py [MODEL_DIR] [BIN_DIR]
       (BIN_DIR holds spine and SpineNNBench; default .build/debug, after swift build)
"""
import os, subprocess, sys, tempfile
import numpy as np
import onnxruntime as ort

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
MODEL_DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "Models", "lumbar-sagittal-11class")
BIN = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, ".build", "debug")
THREADS = os.environ.get("THREADS", "2")
worst = 0.0


def report(label, ref, got):
    global worst
    ref, got = np.asarray(ref, np.float32), np.asarray(got, np.float32)
    assert ref.shape == got.shape, f"{label}: shape {got.shape} vs {ref.shape}"
    d = float(np.abs(ref - got).max())
    scale = float(np.abs(ref).max())
    rel = d / max(scale, 1e-12)
    worst = max(worst, rel)
    print(f"{label}: shape={list(ref.shape)} max_abs_diff={d:.3g} max_abs_ref={scale:.3g} relative={rel:.3g}")


def session(path):
    o = ort.SessionOptions()
    o.intra_op_num_threads = int(THREADS)
    return ort.InferenceSession(path, o, providers=["CPUExecutionProvider"])


with tempfile.TemporaryDirectory() as tmp:
    # 1. A model folder from spine train, through the CLI.
    import json
    plan = json.load(open(os.path.join(MODEL_DIR, "plan.json")))
    net = plan["network"]
    shape = [2, net["inputChannels"]] + plan["patchSize"]
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    paths = {k: os.path.join(tmp, k) for k in ["x.npy", "native.npy", "unet.onnx", "spinekit.npy"]}
    np.save(paths["x.npy"], x)
    subprocess.run([os.path.join(BIN, "spine"), "onnx", "export", "--model", MODEL_DIR, "--out", paths["unet.onnx"],
                    "--sample-input", paths["x.npy"], "--sample-output", paths["native.npy"]], check=True)
    try:
        import onnx
        onnx.checker.check_model(onnx.load(paths["unet.onnx"]), full_check=True)
        print("onnx.checker: ok (full_check)")
    except ImportError:
        print("onnx.checker: skipped (no onnx package)")
    s = session(paths["unet.onnx"])
    y = s.run(None, {"input": x})[0]
    name = os.path.basename(MODEL_DIR.rstrip("/"))
    report(f"{name} (spine onnx export) ORT vs native", np.load(paths["native.npy"]), y)
    subprocess.run([os.path.join(BIN, "spine"), "onnx", "run", "--model", paths["unet.onnx"], "--input", paths["x.npy"],
                    "--output", paths["spinekit.npy"], "--threads", THREADS], check=True, stdout=subprocess.DEVNULL)
    report(f"{name} (spine onnx export) spine onnx run vs ORT", y, np.load(paths["spinekit.npy"]))

    # 2. ResNet-18 and CenterNet from the benchmark executable.
    d = os.path.join(tmp, "bench")
    subprocess.run([os.path.join(BIN, "SpineNNBench"), "export", "--threads", THREADS, "--repeats", "1",
                    "--write", d], check=True)
    for net in ["resnet18", "centernet"]:
        s = session(os.path.join(d, f"{net}.onnx"))
        x = np.load(os.path.join(d, f"{net}-input.npy"))
        outs = s.run(None, {"input": x})
        for info, y in zip(s.get_outputs(), outs):
            report(f"{net} {info.name} ORT vs native", np.load(os.path.join(d, f"{net}-native-{info.name}.npy")), y)

print(f"worst relative difference: {worst:.3g}")
sys.exit(0 if worst <= 1e-4 else 1)
