#!/usr/bin/env bash
# Makes .venv/browser with Selenium and websockets (from PyPI) if missing, and prints its python.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -x "$root/.venv/browser/bin/python" ] || python3 -m venv "$root/.venv/browser" >&2
"$root/.venv/browser/bin/python" -c "import selenium, websockets" 2>/dev/null || "$root/.venv/browser/bin/pip" install -q "selenium>=4.20,<5" "websockets>=13,<16" >&2
echo "$root/.venv/browser/bin/python"
