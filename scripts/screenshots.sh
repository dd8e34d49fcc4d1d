#!/usr/bin/env bash
# Regenerate the screenshots of the HTML report of the seeds in docs/ (needs chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dedupe-docs clean seeds --out "$tmp/out" -q
dedupe-docs report "$tmp/out" --html "$tmp/report.html"
shoot() {
  chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
    --user-data-dir="$tmp/profile" --virtual-time-budget=5000 --window-size="$2" \
    --screenshot="$1" "file://$tmp/report.html$3" 2>/dev/null
}
shoot docs/report.png 1100,1150 ""
shoot docs/report-document.png 1100,1800 "#doc=0"
shoot docs/report-phone.png 420,900 "#doc=0"
