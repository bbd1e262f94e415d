#!/usr/bin/env bash
# The web UI's browser tests: Chromium and chromedriver from Debian, Selenium from PyPI in
# .venv/browser, against the release build of `auris serve`. Prints the unittest summary.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
for tool in /usr/bin/chromium /usr/bin/chromedriver; do
  [ -x "$tool" ] || { echo "check-web-ui: $tool is missing; run scripts/install-deps.sh" >&2; exit 1; }
done
python="$("$root/scripts/browser-venv.sh")"
cd "$root/Tests/Browser"
SE_AVOID_STATS=true "$python" -m unittest -v test_web_ui
