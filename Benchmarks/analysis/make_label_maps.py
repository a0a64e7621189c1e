#!/usr/bin/env python3
"""Writes the two label maps of the analysis speed benchmark (SpineKit classes, NIfTI, uint8).

  sagittal-512x512x15.nii.gz  512 x 512 x 15 sagittal stack, 0.5 x 0.5 mm in plane, 4 mm slices
                              (i: anterior, j: superior, k: right); L1-L5, discs, sacrum, dural sac,
                              posterior elements, paraspinal muscle; spine tilted 8 degrees.
  iso-300.nii.gz              300^3 at 1 mm (RAS axes); T11-L5, discs, sacrum, dural sac, posterior
                              elements, paraspinal muscle; spine tilted 5 degrees.

Usage: python3 make_label_maps.py OUTDIR   (needs numpy and nibabel)
"""
import math
import os
import sys

import nibabel as nib
import numpy as np


def spine(shape, affine, top_mm, levels, tilt_deg):
    """Labels every voxel of the grid: world RAS coordinates from the affine, then a straight spine along +S tilted in the sagittal plane."""
    i, j, k = np.meshgrid(*[np.arange(n, dtype=np.float32) for n in shape], indexing="ij")
    ras = [affine[r, 0] * i + affine[r, 1] * j + affine[r, 2] * k + affine[r, 3] for r in range(3)]
    x, y, z = ras  # R, A, S
    t = math.radians(tilt_deg)
    s = z * math.cos(t) + y * math.sin(t)  # along the spine (superior)
    a = -z * math.sin(t) + y * math.cos(t)  # anterior
    out = np.zeros(shape, dtype=np.uint8)
    out[(np.abs(x) < 45) & (a > -75) & (a < -30)] = 8  # paraspinal muscle
    out[(np.abs(x) < 12) & (a > -50) & (a < -20) & (s < top_mm)] = 2  # posterior elements (a continuous bar)
    canal = (x * x + (a + 12) ** 2 <= 7.0 ** 2) & (s < top_mm)
    out[canal] = 4
    top = top_mm
    for n in range(levels):
        body = (s <= top) & (s > top - 26) & (np.abs(a - 18) <= 16) & (np.abs(x) <= 20)
        out[body] = 1
        top -= 26
        disc = (s <= top) & (s > top - 9) & (np.abs(a - 18) <= 15) & (np.abs(x) <= 19)
        out[disc] = 3
        top -= 9
    sacrum = (s <= top) & (s > top - 40) & (np.abs(a - 18) <= 17) & (np.abs(x) <= 25)
    out[sacrum] = 7
    return out


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    # Sagittal: i -> A (0.5 mm), j -> S (0.5 mm), k -> R (4 mm); centred on the spine.
    aff = np.array([[0, 0, 4.0, -28.0], [0.5, 0, 0, -128.0 + 18], [0, 0.5, 0, -150.0], [0, 0, 0, 1]])
    sag = spine((512, 512, 15), aff, top_mm=85.0, levels=5, tilt_deg=8)
    nib.save(nib.Nifti1Image(sag, aff), os.path.join(out, "sagittal-512x512x15.nii.gz"))
    # Isotropic 300^3 at 1 mm.
    aff = np.array([[1.0, 0, 0, -150.0], [0, 1.0, 0, -150.0 + 18], [0, 0, 1.0, -200.0], [0, 0, 0, 1]])
    iso = spine((300, 300, 300), aff, top_mm=85.0, levels=7, tilt_deg=5)
    nib.save(nib.Nifti1Image(iso, aff), os.path.join(out, "iso-300.nii.gz"))
    for name, v in (("sagittal", sag), ("iso", iso)):
        print(name, v.shape, {int(l): int((v == l).sum()) for l in np.unique(v) if l})


if __name__ == "__main__":
    main()
