#!/bin/sh
# Renders the sample pages (render_sample) and screenshots them with headless Chromium, to
# check by eye that the swimlanes and the report appear. Needs the Debian package `chromium`.
#   harness/render/test/screenshot.sh BUILD_DIR [OUT_DIR]
# BUILD_DIR is a CMake build tree holding render_sample (e.g. build/render); OUT_DIR gets
# sample.html, big.html, report.html and one PNG per page (default: BUILD_DIR/render-shots).
set -eu
build=${1:?usage: screenshot.sh BUILD_DIR [OUT_DIR]}
out=${2:-$build/render-shots}
sample=$(find "$build" -name render_sample -type f -perm -u+x | head -n 1)
[ -n "$sample" ] || { echo "screenshot.sh: render_sample not built under $build" >&2; exit 1; }
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "screenshot.sh: chromium not installed (apt-get install chromium)" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
"$sample" "$out"
for page in sample big report; do
  profile=$(mktemp -d)
  "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
    --screenshot="$out/$page.png" --window-size=1400,900 "file://$out/$page.html" \
    >/dev/null 2>&1 || { echo "screenshot.sh: chromium failed on $page.html" >&2; rm -rf "$profile"; exit 1; }
  rm -rf "$profile"
  [ -s "$out/$page.png" ] || { echo "screenshot.sh: no $page.png" >&2; exit 1; }
  echo "$out/$page.png"
done
