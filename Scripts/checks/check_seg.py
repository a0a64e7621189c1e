#!/usr/bin/env python3
"""Independent check of a SpineKit DICOM SEG (and its NIfTI twin) with pydicom, highdicom and nibabel.

Reads the SEG, its source series and the expected label map (a DICOM series of label values on the
source grid, or a NIfTI file on it) and checks: the SEG parses in pydicom and highdicom; SOP class,
modality, BINARY 1-bit; study, frame of reference and patient attributes equal the source's; segments,
their labels and SNOMED CT codes (for the 11 SpineKit classes, against the table below, matched by
type code since only the classes present are written); the referenced series and every instance of
it; the frame count (one frame per segment and source slice that holds it) and each frame's position
and source image; and every segment's mask, slice by slice, against the labels. With --nifti (or
--out), segmentation.nii.gz must open in nibabel with the source series' affine (RAS, from
ImagePositionPatient/ImageOrientationPatient/PixelSpacing) and hold the same labels as the SEG.
Then runs DCMTK's dcmdump and dicom3tools' dciodvfy when installed and prints what they report.

Usage:
    Scripts/checks/check_seg.py                 # builds, writes fixtures with the Swift tests, checks them
    Scripts/checks/check_seg.py --seg F --source DIR [--labels DIR|FILE.nii.gz] [--nifti F] [--classes spinekit|any]
    Scripts/checks/check_seg.py --out ANALYZE_OUT --source DIR [--labels ...]
                                                # segmentation.dcm and segmentation.nii.gz of `spine analyze`

Needs: pip install pydicom highdicom nibabel numpy (Scripts/bootstrap --peers). Exit status 0 when every
check passes, 1 when one fails, 2 when a package is missing.
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile

try:
    import highdicom as hd
    import nibabel as nib
    import numpy as np
    import pydicom
except ImportError as e:  # one line, and a distinct status, for callers that skip without the packages
    print(f"check_seg.py: {e.name} is not installed (pip install pydicom highdicom nibabel numpy)", file=sys.stderr)
    sys.exit(2)

# The 11 SpineKit classes: label value -> (category code, type code, type meaning).
SPINEKIT_CLASSES = {
    1: ("91723000", "3572006", "Vertebral body"),
    2: ("91723000", "40265002", "Arch of vertebra"),
    3: ("91723000", "360499006", "Intervertebral disc"),
    4: ("91723000", "61853006", "Spinal canal"),
    5: ("91723000", "7173007", "Cauda equina"),
    6: ("85756007", "55603005", "Fat"),
    7: ("91723000", "54735007", "Sacrum"),
    8: ("91723000", "244849004", "Deep muscle of back"),
    9: ("85756007", "67769002", "Subcutaneous fatty tissue"),
    10: ("85756007", "59820001", "Blood vessel"),
    11: ("85756007", "87784001", "Soft tissue"),
}

failures = []


def check(ok, what):
    print(("  ok    " if ok else "  FAIL  ") + what)
    if not ok:
        failures.append(what)


CODE_TO_LABEL = {type_code: value for value, (_, type_code, _) in SPINEKIT_CLASSES.items()}


def read_series(folder):
    """Datasets of a folder (one series), sorted along the slice normal."""
    ds = [pydicom.dcmread(p) for p in sorted(glob.glob(os.path.join(folder, "*.dcm")))]
    iop = np.array(ds[0].ImageOrientationPatient, dtype=float)
    normal = np.cross(iop[:3], iop[3:])
    return sorted(ds, key=lambda d: float(np.dot(normal, np.array(d.ImagePositionPatient, dtype=float))))


def series_affine_ras(source):
    """The voxel-to-RAS affine of a sorted series, as NIfTI stores it: i along columns, j along rows, k along slices."""
    first, last = source[0], source[-1]
    iop = np.array(first.ImageOrientationPatient, dtype=float)
    row_spacing, col_spacing = (float(v) for v in first.PixelSpacing)  # between rows, between columns
    a = np.eye(4)
    a[:3, 0] = iop[:3] * col_spacing
    a[:3, 1] = iop[3:] * row_spacing
    p0 = np.array(first.ImagePositionPatient, dtype=float)
    if len(source) > 1:
        a[:3, 2] = (np.array(last.ImagePositionPatient, dtype=float) - p0) / (len(source) - 1)
    else:
        a[:3, 2] = np.cross(iop[:3], iop[3:]) * float(first.get("SliceThickness", 1))
    a[:3, 3] = p0
    return np.diag([-1, -1, 1, 1]) @ a  # LPS -> RAS


def read_labels(path, source):
    """Expected labels as (slices, rows, columns): a DICOM series folder, or a NIfTI file on the source grid."""
    if os.path.isdir(path):
        return np.stack([d.pixel_array for d in read_series(path)])
    img = nib.load(path)
    check(np.allclose(img.affine, series_affine_ras(source), atol=1e-3), f"{os.path.basename(path)} lies on the source grid")
    return np.transpose(np.asarray(img.dataobj).astype(np.int64), (2, 1, 0))


def check_nifti(nifti_path, source, expected):
    """segmentation.nii.gz: opens in nibabel, the source series' affine, and the expected labels."""
    print(f"NIfTI {nifti_path}")
    img = nib.load(nifti_path)
    check(True, f"nibabel reads it: {type(img).__name__}, shape {img.shape}, {img.get_data_dtype()}")
    want = series_affine_ras(source)
    check(np.allclose(img.affine, want, atol=1e-3), "affine equals the source series' (RAS)")
    if not np.allclose(img.affine, want, atol=1e-3):
        print("        nifti:\n" + str(np.round(img.affine, 4)) + "\n        source:\n" + str(np.round(want, 4)))
    src0 = source[0]
    check(img.shape[:3] == (int(src0.Columns), int(src0.Rows), len(source)), "shape is columns × rows × slices of the source")
    data = np.transpose(np.asarray(img.dataobj).astype(np.int64), (2, 1, 0))
    if expected is not None:
        check(data.shape == expected.shape and np.array_equal(data, expected), "voxels equal the expected labels")
    return data


def run_tool(cmd):
    if shutil.which(cmd[0]) is None:
        print(f"  skip  {cmd[0]} not installed")
        return
    r = subprocess.run(cmd, capture_output=True, text=True)
    out = (r.stdout + r.stderr).splitlines()
    problems = [line for line in out if line.startswith(("Error", "Warning", "E:", "W:"))]
    print(f"  {cmd[0]}: exit {r.returncode}, {len(problems)} error/warning line(s)")
    for line in problems:
        print("        " + line)
    if cmd[0] == "dcmdump":
        check(r.returncode == 0 and not any(p.startswith(("Error", "E:")) for p in problems), "dcmdump parses without errors")
    if cmd[0] == "dciodvfy":
        check(not any(p.startswith("Error") for p in problems), "dciodvfy reports no errors")


def check_seg(seg_path, source_dir, labels_path, classes, nifti_path=None):
    source = read_series(source_dir)
    expected = read_labels(labels_path, source) if labels_path else None
    if nifti_path:
        from_nifti = check_nifti(nifti_path, source, expected)
        if expected is None:
            expected = from_nifti  # the SEG must then hold the same labels as its NIfTI twin
    print(f"SEG {seg_path}")
    raw = pydicom.dcmread(seg_path)
    check(raw.SOPClassUID == "1.2.840.10008.5.1.4.1.1.66.4", "SOP class is Segmentation Storage")
    check(raw.file_meta.MediaStorageSOPClassUID == raw.SOPClassUID, "file meta SOP class matches")
    check(raw.Modality == "SEG" and raw.SegmentationType == "BINARY", "modality SEG, BINARY")
    check(raw.BitsAllocated == 1 and raw.BitsStored == 1 and raw.HighBit == 0, "1-bit pixels")
    seg = hd.seg.segread(seg_path)
    check(True, f"highdicom reads it: {seg.number_of_segments} segments, {seg.NumberOfFrames} frames")

    src0 = source[0]
    for kw in ["StudyInstanceUID", "FrameOfReferenceUID", "PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyDate", "StudyTime", "AccessionNumber", "StudyID"]:
        check(str(raw.get(kw, "")) == str(src0.get(kw, "")), f"{kw} equals the source's")
    check(raw.SeriesInstanceUID != src0.SeriesInstanceUID, "SEG has its own series")

    # Segments and codes (only the classes present are written, numbered 1…n in label order).
    numbers = [s.SegmentNumber for s in raw.SegmentSequence]
    check(numbers == list(range(1, len(numbers) + 1)), "segments numbered 1…n")
    value_of = {}
    for s in raw.SegmentSequence:
        cat = s.SegmentedPropertyCategoryCodeSequence[0]
        typ = s.SegmentedPropertyTypeCodeSequence[0]
        ok = cat.CodingSchemeDesignator == "SCT" and typ.CodingSchemeDesignator == "SCT"
        if classes == "spinekit":
            value = CODE_TO_LABEL.get(typ.CodeValue)
            ok = ok and value is not None and (cat.CodeValue, typ.CodeValue, typ.CodeMeaning) == SPINEKIT_CLASSES[value]
            value_of[s.SegmentNumber] = value
        else:
            value_of[s.SegmentNumber] = s.SegmentNumber
        ok = ok and s.SegmentAlgorithmType in ("AUTOMATIC", "SEMIAUTOMATIC", "MANUAL")
        ok = ok and (s.SegmentAlgorithmType == "MANUAL" or bool(s.get("SegmentAlgorithmName")))
        check(ok, f"segment {s.SegmentNumber} '{s.SegmentLabel}': ({cat.CodeValue}, {cat.CodeMeaning}) / ({typ.CodeValue}, SCT, {typ.CodeMeaning}), {s.SegmentAlgorithmType}")
    if classes == "spinekit":
        values = [value_of[n] for n in numbers]
        check(values == sorted(set(v for v in values if v is not None)), "one segment per SpineKit class, in label order")
        if expected is not None:
            present = sorted(set(np.unique(expected).tolist()) - {0})
            check(values == present, f"a segment for each class in the labels ({len(present)})")
    check(len(raw.PerFrameFunctionalGroupsSequence) == int(raw.NumberOfFrames), f"{raw.NumberOfFrames} frames, one functional group each")
    if expected is not None:
        want_frames = sum(int((expected[k] == value_of[n]).any()) for n in numbers for k in range(expected.shape[0]))
        check(int(raw.NumberOfFrames) == want_frames, f"frame count {raw.NumberOfFrames} = slices holding each segment ({want_frames})")

    # References.
    ref = raw.ReferencedSeriesSequence
    check(len(ref) == 1 and ref[0].SeriesInstanceUID == src0.SeriesInstanceUID, "ReferencedSeriesSequence names the source series")
    referenced = [i.ReferencedSOPInstanceUID for i in ref[0].ReferencedInstanceSequence]
    check(sorted(referenced) == sorted(d.SOPInstanceUID for d in source), "every source instance referenced once")
    by_position = {tuple(np.round(np.array(d.ImagePositionPatient, dtype=float), 3)): d for d in source}
    frame_ok = True
    for n, f in enumerate(raw.PerFrameFunctionalGroupsSequence):
        ipp = tuple(np.round(np.array(f.PlanePositionSequence[0].ImagePositionPatient, dtype=float), 3))
        src = by_position.get(ipp)
        si = f.DerivationImageSequence[0].SourceImageSequence[0]
        if src is None or si.ReferencedSOPInstanceUID != src.SOPInstanceUID or si.ReferencedSOPClassUID != src.SOPClassUID:
            frame_ok = False
            print(f"        frame {n + 1}: position or source reference does not match a source image")
    check(frame_ok, "each frame lies on a source image and derives from it")
    sh = raw.SharedFunctionalGroupsSequence[0]
    check(np.allclose(np.array(sh.PlaneOrientationSequence[0].ImageOrientationPatient, dtype=float), np.array(src0.ImageOrientationPatient, dtype=float), atol=1e-5), "orientation equals the source's")
    check(np.allclose(np.array(sh.PixelMeasuresSequence[0].PixelSpacing, dtype=float), np.array(src0.PixelSpacing, dtype=float), atol=1e-5), "pixel spacing equals the source's")

    # Masks, through highdicom, against the labels.
    if expected is None:
        print("  skip  mask comparison (no --labels or --nifti given)")
        run_tool(["dcmdump", "-q", seg_path])
        run_tool(["dciodvfy", "-new", seg_path])
        return
    uids = [d.SOPInstanceUID for d in source]
    seg_numbers = list(range(1, len(numbers) + 1))
    masks = seg.get_pixels_by_source_instance(source_sop_instance_uids=uids, segment_numbers=seg_numbers, combine_segments=False)
    check(masks.shape == expected.shape + (len(seg_numbers),), f"mask array {masks.shape} matches the source grid")
    for s in seg_numbers:
        want = expected == value_of[s]
        got = masks[..., s - 1] != 0
        check(np.array_equal(want, got), f"segment {s} mask equals label value {value_of[s]} ({int(want.sum())} voxels)")
    empty = [n for n in range(raw.NumberOfFrames) if not seg.get_frame(n + 1).any()]
    check(not empty, "no empty frames written")

    run_tool(["dcmdump", "-q", seg_path])
    run_tool(["dciodvfy", "-new", seg_path])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seg", help="the DICOM SEG")
    ap.add_argument("--nifti", help="its NIfTI twin (segmentation.nii.gz)")
    ap.add_argument("--out", help="a `spine analyze` output folder: --seg and --nifti inside it")
    ap.add_argument("--source", help="the source series' folder")
    ap.add_argument("--labels", help="expected labels: a DICOM series folder or a NIfTI file on the source grid")
    ap.add_argument("--classes", choices=["spinekit", "any"], default="spinekit")
    args = ap.parse_args()
    if args.out:
        args.seg = args.seg or os.path.join(args.out, "segmentation.dcm")
        args.nifti = args.nifti or os.path.join(args.out, "segmentation.nii.gz")
    if args.seg:
        if not args.source:
            ap.error("--source is required with --seg or --out")
        check_seg(args.seg, args.source, args.labels, args.classes, args.nifti)
    else:
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        out = tempfile.mkdtemp(prefix="spinekit-check-seg-")
        env = dict(os.environ, SPINEKIT_CHECK_OUT=out)
        subprocess.run(["swift", "build", "--build-tests"], cwd=root, check=True)
        subprocess.run(["swift", "test", "--skip-build", "--filter", "SegmentationExportTests"], cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)
        d = os.path.join(out, "pipeline-seg")
        check_seg(os.path.join(d, "segmentation.dcm"), os.path.join(d, "src"), os.path.join(d, "labels"), "spinekit")
        shutil.rmtree(out, ignore_errors=True)
    print(f"{'FAILED: ' + str(len(failures)) + ' check(s)' if failures else 'all checks passed'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
