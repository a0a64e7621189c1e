#!/usr/bin/env python3
"""SpineKit (`spine onnx run`) vs ONNX Runtime on the same ONNX files, inputs and thread count.

Makes benchmark-sized models on demand (random weights, not committed) with the fixture script's
architectures, runs ONNX Runtime (intra-op threads = THREADS, sequential) and the release `spine`
binary, checks the outputs agree, and prints median latency [ms] of both and the ratio.
usage: Benchmarks/onnx/bench.py [THREADS] [REPEAT]     (after swift build -c release --scratch-path .build-release --product spine)
"""
import os, subprocess, sys, tempfile, time
import numpy as np
import onnxruntime as ort
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "Scripts", "fixtures"))
import make_onnx_fixtures as fx  # noqa: E402

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 2
REPEAT = int(sys.argv[2]) if len(sys.argv) > 2 else 10
SPINE = os.path.join(ROOT, ".build-release", "release", "spine")


def models():
    g = torch.Generator().manual_seed(7)
    yield "monai_unet2d_256", fx.randomize(fx.MonaiUNet(2, 1, 3, (16, 32, 64, 128), (2, 2, 2)), g), (1, 1, 256, 256), 17
    yield "monai_unet3d_64", fx.randomize(fx.MonaiUNet(3, 1, 3, (8, 16, 32), (2, 2)), g), (1, 1, 64, 64, 64), 13
    dyn = fx.DynUNet(3, 1, 3, [[3, 3, 3]] * 4, [[1, 1, 1], [2, 2, 2], [2, 2, 2], [2, 2, 2]], [16, 32, 64, 128])
    yield "dynunet3d_64", fx.randomize(dyn, g), (1, 1, 64, 64, 64), 11
    yield "resnet_tiny_224", fx.randomize(fx.ResNetTiny(widths=(32, 64, 128)), g), (1, 3, 224, 224), 17
    yield "detector_320", fx.randomize(fx.Detector(), g), (1, 3, 320, 320), 13


def main():
    tmp = tempfile.mkdtemp(prefix="spine-onnx-bench-")
    print(f"threads={THREADS} repeat={REPEAT}")
    print(f"{'model':<20} {'ORT ms':>9} {'SpineKit ms':>12} {'ORT/SpineKit':>13} {'max|diff|':>10}")
    for name, model, shape, opset in models():
        path = os.path.join(tmp, name + ".onnx")
        x = torch.randn(shape, generator=torch.Generator().manual_seed(1))
        torch.onnx.export(model, x, path, input_names=["input"], output_names=["output"], opset_version=opset, dynamo=False)
        xin = os.path.join(tmp, name + ".in.npy")
        np.save(xin, x.numpy())
        so = ort.SessionOptions()
        so.intra_op_num_threads = THREADS
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        ref = s.run(None, {"input": x.numpy()})[0]
        times = []
        for _ in range(REPEAT):
            t0 = time.perf_counter()
            s.run(None, {"input": x.numpy()})
            times.append((time.perf_counter() - t0) * 1e3)
        ort_ms = float(np.median(times))
        yout = os.path.join(tmp, name + ".out.npy")
        r = subprocess.run([SPINE, "onnx", "run", "--model", path, "--input", xin, "--output", yout,
                            "--repeat", str(REPEAT), "--threads", str(THREADS)], capture_output=True, text=True)
        if r.returncode != 0:
            print(f"{name:<20} {ort_ms:>9.2f}  spine failed: {r.stderr.strip()}")
            continue
        spine_ms = float(r.stdout.strip().splitlines()[-1].split("=")[1])
        diff = float(np.abs(np.load(yout) - ref).max())
        print(f"{name:<20} {ort_ms:>9.2f} {spine_ms:>12.2f} {ort_ms / spine_ms:>12.2f}x {diff:>10.2e}")


if __name__ == "__main__":
    main()
