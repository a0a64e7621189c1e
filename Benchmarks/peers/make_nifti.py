#!/usr/bin/env python3
"""Writes a 300³ Int16 .nii.gz with smooth random content (so gzip sees realistic, not trivial, data).

    make_nifti.py OUT.nii.gz [--size 300] [--seed 0]
"""
import argparse

import nibabel as nib
import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--size", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    n = a.size
    rng = np.random.default_rng(a.seed)
    # Low-frequency field: coarse noise upsampled by repetition and box-blurred along each axis,
    # plus a little voxel noise, scaled to an MR-like intensity range.
    coarse = rng.standard_normal((n // 10 + 2,) * 3).astype(np.float32)
    field = np.repeat(np.repeat(np.repeat(coarse, 10, 0), 10, 1), 10, 2)[:n, :n, :n]
    k = 9
    for axis in range(3):
        c = np.cumsum(field, axis=axis, dtype=np.float32)
        shifted = np.roll(c, k, axis=axis)
        idx = [slice(None)] * 3
        idx[axis] = slice(0, k)
        shifted[tuple(idx)] = 0
        field = (c - shifted) / k
    field += 0.05 * rng.standard_normal(field.shape).astype(np.float32)
    data = np.clip(800 + 300 * field, -1024, 4000).astype(np.int16)
    img = nib.Nifti1Image(data, np.diag([0.8, 0.8, 0.8, 1.0]))
    img.header.set_data_dtype(np.int16)
    nib.save(img, a.out)


if __name__ == "__main__":
    main()
