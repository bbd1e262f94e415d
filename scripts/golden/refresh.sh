#!/usr/bin/env bash
# Remakes every golden artefact: the clips, the tokenizer expectations and the faster-whisper
# references. Needs python3, espeak-ng and sox; the first run installs the reference venv
# (.venv/golden, network needed once).
#
#   scripts/golden/refresh.sh                 # everything
#   GOLDEN_VENV=/path/to/venv scripts/golden/refresh.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${GOLDEN_VENV:-$ROOT/.venv/golden}"
cd "$ROOT"

MODEL_DIR="$(GOLDEN_VENV="$VENV" scripts/golden/setup-venv.sh)"
echo "model: $MODEL_DIR" >&2

python3 scripts/golden/make-clips.py
"$VENV/bin/python" scripts/golden/tokenizer-expectations.py "$MODEL_DIR"
"$VENV/bin/python" scripts/golden/reference.py --model "$MODEL_DIR"
