#!/usr/bin/env bash
# Renders the figures of docs/Phantom.md into out/docs-images/ (git-ignored: they contain slices of
# the shared real data, which must not enter the repository): mid-sagittal T1, T2 and STIR of phantoms beside real
# sagittal lumbar MRI from ../shared/data/lumbar-mri-real (skipped with a message when absent).
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${SPINEKIT_SHARED_DATA:-../shared/data}/lumbar-mri-real
swift build -c release --scratch-path .build-release --product spine >/dev/null
SPINE=.build-release/release/spine
REAL=()
if [ -d "$DATA" ]; then
    REAL=(--real "$DATA/IVD/IVD_11_img.nii.gz" --real "$DATA/VB3/VB3_01_img.nii.gz")
else
    echo "note: $DATA not found; rendering phantoms without the real images beside them" >&2
fi
mkdir -p out/docs-images
for SEED in 3 7; do
    "$SPINE" phantom preview --seed "$SEED" "${REAL[@]}" --out "out/docs-images/phantom-seed$SEED-vs-real.png"
done
