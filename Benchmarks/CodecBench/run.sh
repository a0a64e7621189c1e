#!/usr/bin/env bash
# Measures the pure-Swift codecs in an optimised build against pydicom's decoders (pylibjpeg-libjpeg
# for JPEG lossless, pydicom's RLE handler) on a 512×512 16-bit synthetic MR-like frame.
# Needs: swiftc, python3 with numpy + pydicom + pylibjpeg, dcmtk. Prints both numbers and the ratio.
set -euo pipefail
cd "$(dirname "$0")/../.."
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
S=Sources/SpineImaging
swiftc -O -o "$TMP/bench" Benchmarks/CodecBench/main.swift $S/ImagingError.swift $S/Internals/ByteReader.swift \
    $S/DICOM/Codecs/PixelFrameDescriptor.swift "$S/DICOM/Codecs/PixelFrameDescriptor+Checks.swift" \
    $S/DICOM/Codecs/JPEGLosslessDecoder.swift $S/DICOM/Codecs/RLEDecoder.swift
python3 - "$TMP" <<'PY'
import sys, os, subprocess, time
import numpy as np
sys.path.insert(0, "Scripts/fixtures")
import make_codec_fixtures as m
tmp = sys.argv[1]
y, x = np.mgrid[0:512, 0:512]
rng = np.random.default_rng(3)
img = (1000 + 800 * np.sin(x / 40) * np.cos(y / 55) + rng.normal(0, 25, (512, 512))).clip(0, 4095).astype(np.uint16)
for name, tool, args in (("jpegll", "dcmcjpeg", ["+e1"]), ("rle", "dcmcrle", [])):
    src, dst = os.path.join(tmp, "in.dcm"), os.path.join(tmp, "out.dcm")
    m.write_dicom(src, img, 12, "MONOCHROME2")
    subprocess.run([tool, *args, src, dst], check=True)
    frame, ds = m.first_fragment_frame(dst)
    open(os.path.join(tmp, name + ".bin"), "wb").write(frame)
    best = 1e9
    for _ in range(10):
        t0 = time.perf_counter()
        ds2 = __import__("pydicom").dcmread(dst)
        arr = ds2.pixel_array
        best = min(best, time.perf_counter() - t0)
    assert np.array_equal(arr, img)
    open(os.path.join(tmp, name + ".py"), "w").write(f"{best * 1e3:.2f}")
PY
for c in jpegll rle; do
    out=$("$TMP/bench" $c "$TMP/$c.bin" 512 512 1 12)
    echo "$out"
    swift_ms=$(echo "$out" | sed -E 's/.*= ([0-9.]+) ms.*/\1/')
    py_ms=$(cat "$TMP/$c.py")
    echo "  pydicom (read + decode) best of 10 = $py_ms ms; ratio pydicom/SpineKit = $(python3 -c "print(f'{$py_ms/$swift_ms:.2f}')")"
done
