#!/usr/bin/env bash
# Prepares what the GPU machine needs, in device-kit/ (git-ignored), within its 64 MiB per call:
#   device-kit/model-1, device-kit/model-2  the default model in two halves (one call each)
#   device-kit/run                          auris (static Swift runtime, stripped, gzipped), the
#                                           shared libraries it links (glibc's loader included, in
#                                           case the machine's glibc is older) and the web UI
# scripts/device/README.md says how to send them and run scripts/device/check-cuda.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/opt/swift/usr/bin"
scripts/install-model.sh
# Its own build folder: the static build has other flags, and would otherwise rebuild .build.
swift build -c release --static-swift-stdlib --product auris --scratch-path .build-static
rm -rf device-kit && mkdir -p device-kit/model-1 device-kit/model-2 device-kit/run/lib
binary=.build-static/release/auris
strip -o device-kit/run/auris "$binary"
cp -r .build-static/release/Auris_WebUI.resources device-kit/run/
# Every shared library auris links, resolved here; the GPU machine uses them only if its own
# are missing or too old (check-cuda.sh decides).
ldd "$binary" | awk '/=> \// { print $3 } /ld-linux/ { print $1 }' | while read -r library; do
  cp -L "$library" device-kit/run/lib/
done
tar -C device-kit/run -czf device-kit/run.tar.gz auris Auris_WebUI.resources lib
rm -rf device-kit/run/* && mv device-kit/run.tar.gz device-kit/run/
model=models/whisper-tiny.en
split -n 2 -d "$model/model.bin" device-kit/model-1/model.bin.part-
mv device-kit/model-1/model.bin.part-01 device-kit/model-2/
cp "$model/config.json" "$model/tokenizer.json" "$model/vocabulary.txt" device-kit/model-1/
sha256sum "$model/model.bin" | awk '{ print $1 }' > device-kit/model-1/model.bin.sha256
du -sh device-kit/*
