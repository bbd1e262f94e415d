#!/usr/bin/env bash
# The whisper.cpp peer of make bench: the pywhispercpp wheel (it carries whisper.cpp) in
# .venv/whispercpp, and the default model converted to ggml (models/ggml-tiny.en.bin) by
# ct2_to_ggml.py. Idempotent; prints the venv's python. Only PyPI is reached.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=.venv/whispercpp
if ! "$venv/bin/python" -c "import pywhispercpp, numpy" >/dev/null 2>&1; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "pywhispercpp==1.5.1" numpy >&2
fi
[ -f models/ggml-tiny.en.bin ] || "$venv/bin/python" Benchmarks/Whisper/ct2_to_ggml.py >&2
echo "$venv/bin/python"
