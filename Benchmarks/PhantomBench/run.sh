#!/usr/bin/env bash
# Measures synthetic MRI study throughput: `spine phantom mri` in a release build, N studies
# (sagittal T1 + T2 + STIR with DICOM, NIfTI, label maps and truth.json; add --axial for the
# disc-level axial stacks). Prints wall and CPU time per study and studies per second.
# Usage: Benchmarks/PhantomBench/run.sh [COUNT] [extra spine phantom mri flags…]
# SPINE=/path/to/spine times that binary instead of building this checkout (to compare two builds).
set -euo pipefail
cd "$(dirname "$0")/../.."
COUNT=${1:-10}
shift || true
if [[ -z "${SPINE:-}" ]]; then
  swift build -c release --scratch-path .build-release --product spine >/dev/null
  SPINE=.build-release/release/spine
fi
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
# Warm-up (page cache, dyld), not timed.
"$SPINE" phantom mri --seed 1000 --count 1 --out "$OUT/warm" "$@" >/dev/null
/usr/bin/time -f "%e %U %S" -o "$OUT/time" "$SPINE" phantom mri --seed 1 --count "$COUNT" --out "$OUT/run" "$@" >/dev/null
read -r WALL USER SYS < "$OUT/time"
python3 - "$COUNT" "$WALL" "$USER" "$SYS" <<'PY'
import sys
n, wall, user, sys_ = int(sys.argv[1]), *map(float, sys.argv[2:])
print(f"{n} studies: wall {wall:.2f} s ({wall / n:.3f} s/study, {n / wall:.2f} studies/s); "
      f"CPU {user + sys_:.2f} s ({(user + sys_) / n:.3f} s/study)")
PY
echo "load average while measuring: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
