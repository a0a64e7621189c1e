#!/usr/bin/env python3
"""Peer for Benchmarks/run: pydicom + numpy doing what `spine bench-load` does, timed in-process.

    load_pydicom.py series FOLDER --repeat N   read every file, sort slices by position along the
                                               normal, stack, apply the modality rescale
    load_pydicom.py dicom FILE --repeat N      read one file and decode its pixel data (ds.pixel_array)

Prints one JSON line: median/min/max ms over N timed runs after one warm-up run (interpreter start and
imports excluded), peak RSS of this process in MB, and the decoder pydicom used.
"""
import argparse
import json
import os
import resource
import statistics
import time

import numpy as np
import pydicom


def load_series(folder):
    datasets = []
    for root, _dirs, files in os.walk(folder):
        for name in sorted(files):
            if name.startswith(".") or name.upper() == "DICOMDIR":
                continue
            try:
                ds = pydicom.dcmread(os.path.join(root, name))
            except pydicom.errors.InvalidDicomError:
                continue
            if "PixelData" in ds:
                datasets.append(ds)
    if not datasets:
        raise SystemExit(f"no DICOM images in {folder}")
    iop = np.array(datasets[0].ImageOrientationPatient, dtype=np.float64)
    normal = np.cross(iop[:3], iop[3:])
    datasets.sort(key=lambda ds: float(np.dot(normal, np.array(ds.ImagePositionPatient, dtype=np.float64))))
    stored = np.stack([ds.pixel_array for ds in datasets])
    slopes = [float(getattr(ds, "RescaleSlope", 1)) for ds in datasets]
    intercepts = [float(getattr(ds, "RescaleIntercept", 0)) for ds in datasets]
    if all(s.is_integer() for s in slopes) and all(i.is_integer() for i in intercepts):
        # Integral rescale (CT Hounsfield units): integer arithmetic, narrowest type that holds the result,
        # as SpineKit's modality volume does.
        out = stored.astype(np.int32)
        for k, (s, i) in enumerate(zip(slopes, intercepts)):
            if s != 1 or i != 0:
                out[k] *= int(s)
                out[k] += int(i)
        lo, hi = int(out.min()), int(out.max())
        if -32768 <= lo and hi <= 32767:
            out = out.astype(np.int16)
    else:
        out = stored.astype(np.float32)
        for k, (s, i) in enumerate(zip(slopes, intercepts)):
            out[k] = out[k] * s + i
    return out


def decode_file(path):
    ds = pydicom.dcmread(path)
    return ds.pixel_array


def decoder_name(path):
    """Which pixel-data plugin pydicom 3 picks for this file's transfer syntax."""
    try:
        from pydicom.pixels import get_decoder

        ds = pydicom.dcmread(path, stop_before_pixels=True)
        dec = get_decoder(ds.file_meta.TransferSyntaxUID)
        available = list(dec.available_plugins) if hasattr(dec, "available_plugins") else []
        name = f"{ds.file_meta.TransferSyntaxUID.name}: pydicom.pixels plugins available {available} (first is used)"
        try:
            import openjpeg
            from openjpeg.utils import get_openjpeg_version

            name += f"; pylibjpeg-openjpeg {openjpeg.__version__} (bundled OpenJPEG {get_openjpeg_version()})"
        except Exception:
            pass
        return name
    except Exception as e:  # pragma: no cover - informational only
        return f"unknown ({e})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["series", "dicom"])
    ap.add_argument("path")
    ap.add_argument("--repeat", type=int, default=10)
    a = ap.parse_args()
    fn = load_series if a.kind == "series" else decode_file
    result = fn(a.path)  # warm-up
    times = []
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        result = fn(a.path)
        times.append((time.perf_counter() - t0) * 1e3)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    info = {
        "kind": a.kind,
        "repeat": a.repeat,
        "median_ms": round(statistics.median(times), 3),
        "min_ms": round(min(times), 3),
        "max_ms": round(max(times), 3),
        "peak_rss_mb": round(rss_mb, 1),
        "shape": list(result.shape),
        "dtype": str(result.dtype),
        "pydicom": pydicom.__version__,
    }
    if a.kind == "dicom":
        info["decoder"] = decoder_name(a.path)
    print(json.dumps(info))


if __name__ == "__main__":
    main()
