#!/usr/bin/env python3
"""Peer for Benchmarks/run: nibabel loading a NIfTI volume in its stored type, timed in-process.

    load_nibabel.py FILE --repeat N

Uses np.asanyarray(img.dataobj) (the stored type, scaled only if the header asks for it), not
img.get_fdata() (always float64), so both sides produce the same voxels. Prints one JSON line like
load_pydicom.py.
"""
import argparse
import json
import resource
import statistics
import time

import nibabel as nib
import numpy as np


def load(path):
    img = nib.load(path)
    return np.asanyarray(img.dataobj)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("path")
    ap.add_argument("--repeat", type=int, default=10)
    a = ap.parse_args()
    result = load(a.path)  # warm-up
    times = []
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        result = load(a.path)
        times.append((time.perf_counter() - t0) * 1e3)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "kind": "nifti",
        "repeat": a.repeat,
        "median_ms": round(statistics.median(times), 3),
        "min_ms": round(min(times), 3),
        "max_ms": round(max(times), 3),
        "peak_rss_mb": round(rss_mb, 1),
        "shape": list(result.shape),
        "dtype": str(result.dtype),
        "nibabel": nib.__version__,
    }))


if __name__ == "__main__":
    main()
