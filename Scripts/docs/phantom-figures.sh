#!/usr/bin/env bash
# Renders the figures of docs/Phantom.md with a release build of `spine`.
#
# Phantom-only figures (committed): docs/images/phantom-seed<S>-{sagittal,axial,xray}.png for seeds 7 and 18
# (`spine phantom figures`): mid-sagittal T1, T2, STIR and T2 with class outlines; the middle axial T2 slice
# through L4-L5 with class outlines; lateral and AP radiographs with body outlines, corner landmarks and lesion boxes.
# Same seed, same bytes: rerunning this script leaves `git status` clean.
#
# Beside real images (git-ignored, never committed: they contain slices of the shared real data):
# out/docs-images/phantom-seed<S>-vs-real.png, mid-sagittal T1, T2 and STIR of the phantom beside real sagittal
# lumbar MRI from ../shared/data/lumbar-mri-real (skipped with a message when that folder is absent).
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${SPINEKIT_SHARED_DATA:-../shared/data}/lumbar-mri-real
if [[ -z "${SPINE:-}" ]]; then
    swift build -c release --scratch-path .build-release --product spine >/dev/null
    SPINE=.build-release/release/spine
fi
SEEDS=(7 18)
mkdir -p docs/images
for SEED in "${SEEDS[@]}"; do
    "$SPINE" phantom figures --seed "$SEED" --out docs/images
done
for f in docs/images/phantom-seed*.png; do
    size=$(stat -c %s "$f")
    if (( size >= 250000 )); then echo "error: $f is $size bytes (limit 250 kB)" >&2; exit 1; fi
done
if [ -d "$DATA" ]; then
    mkdir -p out/docs-images
    for SEED in "${SEEDS[@]}"; do
        "$SPINE" phantom preview --seed "$SEED" --real "$DATA/IVD/IVD_11_img.nii.gz" \
            --real "$DATA/VB3/VB3_01_img.nii.gz" --out "out/docs-images/phantom-seed$SEED-vs-real.png"
    done
else
    echo "note: $DATA not found; skipping the phantom-beside-real figures" >&2
fi
