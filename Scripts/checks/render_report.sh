#!/usr/bin/env bash
# Renders a SpineKit report.html to PNG with headless Chromium (Debian package `chromium`), so the page
# can be looked at. Without arguments it builds, writes the test report (SpinePipelineTests' phantom) and
# renders that.
#
#   Scripts/checks/render_report.sh [REPORT.html [OUT.png [WIDTHxHEIGHT]]]
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
# --no-sandbox: containers often run as root, where Chromium's sandbox refuses to start.
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size="${size/x/,}" \
    --screenshot="$(realpath -m "$out")" "file://$(realpath "$report")" 2>/dev/null
echo "$out"
