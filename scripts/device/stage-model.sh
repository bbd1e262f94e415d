#!/usr/bin/env bash
# On the GPU machine: keeps the model halves carried in device-kit/model-1 and device-kit/model-2
# (one call each: the model is larger than one call may carry) in /tmp/auris-kit, and joins
# them once both are there, checking the result against the original's SHA-256.
set -euo pipefail
cd "$(dirname "$0")/../.."
kit=/tmp/auris-kit
mkdir -p "$kit/parts"
for part in device-kit/model-1 device-kit/model-2; do
  [ -d "$part" ] && cp "$part"/* "$kit/parts/"
done
ls -la "$kit/parts"
if [ -f "$kit/parts/model.bin.part-00" ] && [ -f "$kit/parts/model.bin.part-01" ]; then
  model="$kit/model/whisper-tiny.en"
  mkdir -p "$model"
  cat "$kit/parts/model.bin.part-00" "$kit/parts/model.bin.part-01" > "$model/model.bin"
  cp "$kit/parts/config.json" "$kit/parts/tokenizer.json" "$kit/parts/vocabulary.txt" "$model/"
  echo "$(cat "$kit/parts/model.bin.sha256")  $model/model.bin" | sha256sum -c -
fi
