#!/usr/bin/env python3
"""SpineKit (`spine onnx run`) vs ONNX Runtime on the same ONNX files, inputs and thread count.

Makes benchmark-sized models on demand (random weights, not committed; kept in
.build-release/bench-onnx) with the fixture script's architectures plus a torchvision-style
ResNet-18 and the reference 2-D U-Net of Benchmarks/nn (4 levels, 32 base, 2×(conv+BN+ReLU),
max pool, transposed conv, 1 → 12 classes, 256²). Then, in ROUNDS interleaved rounds (per model:
ONNX Runtime, SpineKit fp32, SpineKit bf16, one after the other, so load bursts on the shared
machine fall on all alike), REPEAT timed runs each after one untimed run. Prints the median over
rounds of each round's median latency [ms], the ratio ORT/SpineKit (> 1: SpineKit faster), the
max |difference| from ONNX Runtime's output (absolute, and relative to max |ORT output|) and, for
segmentation nets, the share of voxels whose arg-max class agrees. ONNX Runtime: intra-op threads
= THREADS, sequential execution, all graph optimizations (its default).

usage: Benchmarks/onnx/bench.py [THREADS] [REPEAT] [ROUNDS]   (after swift build -c release
       --scratch-path .build-release --product spine; MODELS=a,b limits the models; SPINE_BIN=path
       runs another spine binary)
"""
import os, subprocess, sys, time
import numpy as np
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "Scripts", "fixtures"))
import make_onnx_fixtures as fx  # noqa: E402

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 2
REPEAT = int(sys.argv[2]) if len(sys.argv) > 2 else 10
ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 3
# SPINE_BIN=path runs another `spine` build (an older copy, for before/after comparisons in the same minute).
SPINE = os.environ.get("SPINE_BIN") or os.path.join(ROOT, ".build-release", "release", "spine")
WORK = os.path.join(ROOT, ".build-release", "bench-onnx")


class RefUNet(nn.Module):
    """The reference 2-D U-Net of Benchmarks/nn (SpineNN's `UNet`): per level 2×(3×3 conv + BN + ReLU),
    max pool 2 down, transposed conv 2×2 stride 2 up, concatenation [skip, up], 1×1 head."""

    def __init__(self, cin=1, classes=12, levels=4, base=32):
        super().__init__()
        f = [base << l for l in range(levels)]

        def block(i, o):
            return nn.Sequential(nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU())

        self.enc = nn.ModuleList([nn.Sequential(block(cin if l == 0 else f[l - 1], f[l]), block(f[l], f[l]))
                                  for l in range(levels)])
        self.up = nn.ModuleList([nn.ConvTranspose2d(f[l + 1], f[l], 2, 2) for l in range(levels - 1)])
        self.dec = nn.ModuleList([nn.Sequential(block(2 * f[l], f[l]), block(f[l], f[l])) for l in range(levels - 1)])
        self.head = nn.Conv2d(f[0], classes, 1)

    def forward(self, x):
        skips = []
        for l, e in enumerate(self.enc):
            x = e(x if l == 0 else F.max_pool2d(x, 2))
            skips.append(x)
        x = skips.pop()
        for l in range(len(self.up) - 1, -1, -1):
            x = self.dec[l](torch.cat([skips[l], self.up[l](x)], 1))
        return self.head(x)


def models():
    """(name, model, input shape, opset, segmentation?)"""
    g = torch.Generator().manual_seed(7)
    yield "unet2d_ref_256", fx.randomize(RefUNet(), g), (1, 1, 256, 256), 17, True
    yield "monai_unet2d_256", fx.randomize(fx.MonaiUNet(2, 1, 3, (16, 32, 64, 128), (2, 2, 2)), g), (1, 1, 256, 256), 17, True
    yield "monai_unet3d_64", fx.randomize(fx.MonaiUNet(3, 1, 3, (8, 16, 32), (2, 2)), g), (1, 1, 64, 64, 64), 13, True
    dyn = fx.DynUNet(3, 1, 3, [[3, 3, 3]] * 4, [[1, 1, 1], [2, 2, 2], [2, 2, 2], [2, 2, 2]], [16, 32, 64, 128])
    yield "dynunet3d_64", fx.randomize(dyn, g), (1, 1, 64, 64, 64), 11, True
    yield "resnet18_224", fx.randomize(fx.ResNetTiny(classes=1000, widths=(64, 128, 256, 512)), g), (1, 3, 224, 224), 17, False
    yield "resnet_tiny_224", fx.randomize(fx.ResNetTiny(widths=(32, 64, 128)), g), (1, 3, 224, 224), 17, False
    yield "detector_320", fx.randomize(fx.Detector(), g), (1, 3, 320, 320), 13, False


def loadavg():
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def spine(path, xin, yout, precision):
    r = subprocess.run([SPINE, "onnx", "run", "--model", path, "--input", xin, "--output", yout,
                        "--repeat", str(REPEAT), "--threads", str(THREADS), "--precision", precision],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stderr.strip()
    return float(r.stdout.strip().splitlines()[-1].split("=")[1]), None


def main():
    only = set(filter(None, os.environ.get("MODELS", "").split(",")))
    os.makedirs(WORK, exist_ok=True)
    cases = []
    for name, model, shape, opset, seg in models():
        if only and name not in only:
            continue
        path = os.path.join(WORK, name + ".onnx")
        x = torch.randn(shape, generator=torch.Generator().manual_seed(1))
        torch.onnx.export(model, x, path, input_names=["input"], output_names=["output"], opset_version=opset,
                          dynamo=False)
        xin = os.path.join(WORK, name + ".in.npy")
        np.save(xin, x.numpy())
        so = ort.SessionOptions()
        so.intra_op_num_threads = THREADS
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        ref = s.run(None, {"input": x.numpy()})[0]
        cases.append(dict(name=name, path=path, xin=xin, x=x.numpy(), sess=s, ref=ref, seg=seg,
                          ort=[], fp32=[], bf16=[], err={}))
    print(f"threads={THREADS} repeat={REPEAT} rounds={ROUNDS} onnxruntime={ort.__version__} "
          f"loadavg_start={loadavg()}", flush=True)
    for rnd in range(ROUNDS):
        for c in cases:
            s, xn = c["sess"], c["x"]
            s.run(None, {"input": xn})
            times = []
            for _ in range(REPEAT):
                t0 = time.perf_counter()
                s.run(None, {"input": xn})
                times.append((time.perf_counter() - t0) * 1e3)
            c["ort"].append(float(np.median(times)))
            for prec in ("fp32", "bf16"):
                yout = os.path.join(WORK, f"{c['name']}.{prec}.out.npy")
                ms, err = spine(c["path"], c["xin"], yout, prec)
                if ms is None:
                    c["err"][prec] = err
                    continue
                c[prec].append(ms)
                if rnd == 0:
                    y, ref = np.load(yout), c["ref"]
                    d = float(np.abs(y - ref).max())
                    agree = float((y.argmax(1) == ref.argmax(1)).mean()) if c["seg"] else None
                    c[prec + "_diff"] = (d, d / max(float(np.abs(ref).max()), 1e-30), agree)
        print(f"round {rnd + 1}/{ROUNDS} done, loadavg={loadavg()}", flush=True)

    print(f"{'model':<18} {'ORT ms':>8} {'fp32 ms':>8} {'ORT/fp32':>8} {'bf16 ms':>8} {'ORT/bf16':>8}   "
          f"{'fp32 max|d| (rel)':>20} {'bf16 max|d| (rel)':>20} {'bf16 argmax':>11}")
    for c in cases:
        o = float(np.median(c["ort"]))
        cols = [f"{c['name']:<18} {o:>8.2f}"]
        for prec in ("fp32", "bf16"):
            if c[prec]:
                m = float(np.median(c[prec]))
                cols.append(f"{m:>8.2f} {o / m:>7.2f}x")
            else:
                cols.append(f"{'failed':>8} {'-':>8}")
        diffs = []
        for prec in ("fp32", "bf16"):
            d = c.get(prec + "_diff")
            diffs.append(f"{d[0]:>9.2e} ({d[1]:.1e})" if d else f"{'-':>20}")
        agree = c.get("bf16_diff", (0, 0, None))[2]
        print(" ".join(cols) + "   " + " ".join(diffs) + f" {(f'{agree * 100:.3f}%' if agree is not None else '-'):>11}")
        for prec, e in c["err"].items():
            print(f"  {c['name']} {prec} failed: {e}")
    print(f"per-round medians [ms] (ORT | fp32 | bf16):")
    for c in cases:
        print(f"  {c['name']}: {' '.join(f'{v:.1f}' for v in c['ort'])} | {' '.join(f'{v:.1f}' for v in c['fp32'])}"
              f" | {' '.join(f'{v:.1f}' for v in c['bf16'])}")
    print(f"loadavg_end={loadavg()}")


if __name__ == "__main__":
    main()
