#!/usr/bin/env bash
# Installs what `make run` and `make test` need and are missing, on Debian 12.
# Idempotent: does nothing when everything is present.
set -euo pipefail

# Swift is not packaged by Debian; look where the toolchain tarball is usually unpacked.
if ! command -v swift >/dev/null 2>&1; then
  for candidate in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
    [ -x "$candidate/swift" ] && export PATH="$PATH:$candidate" && break
  done
fi
if ! command -v swift >/dev/null 2>&1; then
  echo "Auris needs the Swift 6 toolchain (swift.org's Debian 12 tarball), unpacked with swift on PATH." >&2
  echo "Then run this command again." >&2
  exit 1
fi

# Debian packages the build and tests need: pkg-config and the C libraries the engine links
# (BLAS, FFT, audio decoding and resampling, zlib).
packages=(pkg-config libopenblas-dev libfftw3-dev zlib1g-dev libsndfile1-dev libsamplerate0-dev)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi
