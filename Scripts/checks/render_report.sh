#!/usr/bin/env bash
# Renders a SpineKit report.html to PNG with headless Chromium (Debian package `chromium`), so the page
# can be looked at. Without arguments it builds, writes the test report (SpinePipelineTests' phantom) and
# renders that.
#
#   Scripts/checks/render_report.sh [REPORT.html [OUT.png [WIDTHxHEIGHT]]]
#
# Exit status: 0 with the PNG written, 1 when Chromium wrote none, 2 when no Chromium is installed.
# SpinePipelineTests' AnalyzeOutputCheckTests runs it on a `spine analyze` report.
set -euo pipefail
cd "$(dirname "$0")/../.."
report=${1:-}
out=${2:-report.png}
size=${3:-1180x3200}
if [[ -z "$report" ]]; then
    dir=$(mktemp -d -t spinekit-report-XXXXXX)
    swift build --build-tests >/dev/null
    SPINEKIT_CHECK_OUT="$dir" swift test --skip-build --filter HTMLReportTests/writesThePageAtomically >/dev/null
    report="$dir/report.html"
fi
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [[ -z "$browser" ]]; then
    echo "render_report.sh: no Chromium found (apt-get install chromium)" >&2
    exit 2
fi
png=$(realpath -m "$out")
rm -f "$png"
# --no-sandbox: containers often run as root, where Chromium's sandbox refuses to start. Chromium's own chatter
# (dbus, GPU) goes to a log that is shown only when no PNG comes out.
log=$(mktemp -t spinekit-chromium-XXXXXX.log)
trap 'rm -f "$log"' EXIT
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size="${size/x/,}" \
    --screenshot="$png" "file://$(realpath "$report")" >"$log" 2>&1 || true
if [[ ! -s "$png" ]]; then
    echo "render_report.sh: Chromium wrote no screenshot of $report" >&2
    tail -20 "$log" >&2
    exit 1
fi
echo "$out"
