#!/usr/bin/env python3
"""Peers for SpineNNBench: the same U-Net with the same weights in PyTorch eager (channels-last)
and ONNX Runtime, same thread count. Reads what `SpineNNBench --export DIR` wrote (plan.json,
weights.safetensors, io.safetensors), checks PyTorch's output against SpineNN's and prints the
latencies. Benchmarks only: never a runtime dependency of SpineKit.

usage: peers.py DIR THREADS [REPEATS] [TRAIN_BATCH] [TRAIN_STEPS]
With TRAIN_PRECISION=bf16 in the environment the training step runs under
torch.autocast("cpu", dtype=torch.bfloat16) (float32 weights and optimizer state).
"""
import json, os, struct, sys, time
import numpy as np

def read_safetensors(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        assert e["dtype"] == "F32", e["dtype"]
        b, t = e["data_offsets"]
        out[name] = np.frombuffer(raw[8 + n + b:8 + n + t], dtype="<f4").reshape(e["shape"]).copy()
    return out

folder, threads = sys.argv[1], int(sys.argv[2])
repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 20
train_batch = int(sys.argv[4]) if len(sys.argv) > 4 else 2
train_steps = int(sys.argv[5]) if len(sys.argv) > 5 else 5
os.environ.setdefault("OMP_NUM_THREADS", str(threads))
import torch
import torch.nn as nn
torch.set_num_threads(threads)
torch.set_num_interop_threads(1)

plan = json.load(open(os.path.join(folder, "plan.json")))
cfg = plan["network"]
dims = cfg["spatialDimensions"]
Conv = nn.Conv2d if dims == 2 else nn.Conv3d
Up = nn.ConvTranspose2d if dims == 2 else nn.ConvTranspose3d
BN = nn.BatchNorm2d if dims == 2 else nn.BatchNorm3d
Pool = nn.MaxPool2d if dims == 2 else nn.MaxPool3d

def feats(level):
    return min(cfg["baseFeatures"] << level, cfg["maxFeatures"])

class Block(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = Conv(cin, cout, 3, padding=1, bias=cfg["normalization"] == "none")
        self.norm = BN(cout) if cfg["normalization"] == "batch" else nn.Identity()
    def forward(self, x):
        return torch.relu(self.norm(self.conv(x)))

class DecoderStage(nn.Module):
    def __init__(self, level):
        super().__init__()
        f = feats(level)
        self.up = Up(feats(level + 1), f, 2, stride=2)
        for i in range(cfg["convolutionsPerStage"]):
            self.add_module(str(i), Block(2 * f if i == 0 else f, f))
    def forward(self, x, skip):
        x = torch.cat([skip, self.up(x)], 1)
        for i in range(cfg["convolutionsPerStage"]):
            x = getattr(self, str(i))(x)
        return x

class UNet(nn.Module):
    def __init__(self):
        super().__init__()
        L, k = cfg["levels"], cfg["convolutionsPerStage"]
        self.encoder = nn.ModuleList([nn.Sequential(*[Block((cfg["inputChannels"] if l == 0 else feats(l - 1)) if i == 0 else feats(l), feats(l)) for i in range(k)]) for l in range(L)])
        self.decoder = nn.ModuleList([DecoderStage(l) for l in range(L - 1)])
        self.head = nn.ModuleList([Conv(feats(0), cfg["classes"], 1)])
        self.pool = Pool(2)
    def forward(self, x):
        skips = []
        for l, stage in enumerate(self.encoder):
            if l > 0:
                x = self.pool(x)
            x = stage(x)
            skips.append(x)
        for l in range(cfg["levels"] - 2, -1, -1):
            x = self.decoder[l](x, skips[l])
        return self.head[0](x)

model = UNet()
weights = {k: torch.from_numpy(v) for k, v in read_safetensors(os.path.join(folder, "weights.safetensors")).items()}
missing, unexpected = model.load_state_dict(weights, strict=False)
assert not unexpected and all(m.endswith("num_batches_tracked") for m in missing), (missing, unexpected)
model.eval()
io = read_safetensors(os.path.join(folder, "io.safetensors"))
x = torch.from_numpy(io["input"])
fmt = torch.channels_last if dims == 2 else torch.channels_last_3d

def ratio(label, peer_ms, env):
    ours = os.environ.get(env)
    if ours:
        print(f"ratio {label} = {peer_ms / float(ours):.2f} (>1: SpineNN faster)")

def bench(fn):
    for _ in range(3):
        fn()
    ts = []
    for _ in range(repeats):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    ts.sort()
    return ts[len(ts) // 2] * 1e3, ts[0] * 1e3

with torch.inference_mode():
    m_cl = model.to(memory_format=fmt)
    xc = x.contiguous(memory_format=fmt)
    y = m_cl(xc)
    ref = io["output"]
    err = np.abs(y.numpy() - ref).max() / max(1.0, np.abs(ref).max())
    agree = (y.numpy().argmax(1) == ref.argmax(1)).mean()
    print(f"parity_vs_spinenn max_abs_err/max|y|={err:.2e} argmax_agreement={agree * 100:.3f}%")
    med, mn = bench(lambda: m_cl(xc))
    print(f"torch_eager_channels_last shape={list(x.shape)} threads={threads} median_ms={med:.2f} min_ms={mn:.2f} torch={torch.__version__}")
    ratio("torch_eager / spinenn forward", med, "SPINENN_FORWARD_MS")

try:
    import onnxruntime as ort
    path = os.path.join(folder, "unet.onnx")
    torch.onnx.export(model.to(memory_format=torch.contiguous_format), (x,), path, opset_version=17, dynamo=False,
                      input_names=["x"], output_names=["y"])
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    xn = x.numpy()
    yo = sess.run(None, {"x": xn})[0]
    print(f"ort_parity_vs_spinenn max_abs_err/max|y|={np.abs(yo - io['output']).max() / max(1.0, np.abs(io['output']).max()):.2e}")
    med, mn = bench(lambda: sess.run(None, {"x": xn}))
    print(f"onnxruntime shape={list(x.shape)} threads={threads} median_ms={med:.2f} min_ms={mn:.2f} ort={ort.__version__}")
    ratio("onnxruntime / spinenn forward", med, "SPINENN_FORWARD_MS")
except Exception as e:  # a peer that cannot run is reported, not fatal
    print(f"onnxruntime unavailable: {type(e).__name__}: {e}")

if train_steps > 0:
    model.train()
    model = model.to(memory_format=fmt)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    g = torch.Generator().manual_seed(0)
    tx = torch.randn([train_batch, 1] + list(x.shape[2:]), generator=g).contiguous(memory_format=fmt)
    labels = torch.randint(0, cfg["classes"], [train_batch] + list(x.shape[2:]), generator=g)
    train_precision = os.environ.get("TRAIN_PRECISION", "fp32")
    autocast = torch.autocast("cpu", dtype=torch.bfloat16, enabled=train_precision == "bf16")
    ts = []
    for i in range(train_steps + 1):
        t = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        with autocast:
            logits = model(tx)
        loss = nn.functional.cross_entropy(logits.float(), labels)
        loss.backward()
        opt.step()
        if i > 0:
            ts.append(time.perf_counter() - t)
    ts.sort()
    print(f"torch_train_step shape={list(tx.shape)} threads={threads} precision={train_precision} median_ms={ts[len(ts) // 2] * 1e3:.1f} min_ms={ts[0] * 1e3:.1f}")
    ratio("torch / spinenn train step", ts[len(ts) // 2] * 1e3, "SPINENN_TRAIN_MS")
