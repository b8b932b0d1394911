#!/bin/sh
# Renders a run folder's gallery.html in headless Chromium, saves a screenshot and checks that it
# is not blank (more than a few distinct colours). Needs the Debian packages chromium and
# python3-pil.
#   scripts/gallery-screenshot.sh runs/NAME [OUT.png] [WIDTHxHEIGHT]
set -eu
run=${1:?usage: scripts/gallery-screenshot.sh RUN_FOLDER [OUT.png] [WIDTHxHEIGHT]}
out=${2:-$run/gallery-screenshot.png}
size=${3:-1200x900}
page=$(cd "$run" && pwd)/gallery.html
[ -f "$page" ] || { echo "gallery-screenshot: $page not found (run cct gallery $run)" >&2; exit 1; }
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "gallery-screenshot: chromium not found (apt-get install chromium)" >&2; exit 1; }
w=${size%x*}; h=${size#*x}
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --screenshot="$out" \
  --window-size="$w,$h" "file://$page" >/dev/null 2>&1
python3 - "$out" <<'PY'
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
colours = im.getcolors(maxcolors=1 << 20)
n = len(colours) if colours else 1 << 20
print(f"{sys.argv[1]}: {im.width}x{im.height}, {n} distinct colours")
if n < 16:
    sys.exit("gallery-screenshot: the page looks blank")
PY
