#!/usr/bin/env bash
# Measures synthetic radiograph time: `spine phantom xray` (lateral; add --ap for both views) in a release
# build, COUNT studies at the default 0.3 mm detector pitch. Prints wall and CPU time per radiograph and radiographs/s.
# Usage: Benchmarks/PhantomBench/xray.sh [COUNT] [extra spine phantom xray flags…] (--ap: two radiographs per study)
# SPINE=/path/to/spine times that binary instead of building this checkout (to compare two builds).
set -euo pipefail
cd "$(dirname "$0")/../.."
COUNT=${1:-3}
shift || true
if [[ -z "${SPINE:-}" ]]; then
  swift build -c release --scratch-path .build-release --product spine >/dev/null
  SPINE=.build-release/release/spine
fi
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
/usr/bin/time -f "%e %U %S" -o "$OUT/time" "$SPINE" phantom xray --seed 1 --count "$COUNT" --out "$OUT/run" "$@" >/dev/null
read -r WALL USER SYS < "$OUT/time"
python3 - "$COUNT" "$WALL" "$USER" "$SYS" "$@" <<'PY'
import sys
n, wall, user, sys_ = int(sys.argv[1]), *map(float, sys.argv[2:5])
views = 2 if "--ap" in sys.argv[5:] else 1
m = n * views
print(f"{m} radiographs ({n} studies × {views} view{'s' if views > 1 else ''}): wall {wall:.2f} s "
      f"({wall / m:.2f} s each, {m / wall:.2f} radiographs/s); CPU {user + sys_:.2f} s ({(user + sys_) / m:.2f} s each)")
PY
echo "load average while measuring: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
