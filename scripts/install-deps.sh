#!/usr/bin/env bash
# Installs what `make run` needs and is missing, on Debian 12; with --browser also what the web
# UI's browser tests need (`make test`). Idempotent: does nothing when everything is present.
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

# Debian packages: pkg-config and the C libraries the engine links (BLAS, FFT, audio decoding
# and resampling, zlib, SQLite for jobs, history and the audit log); ffmpeg for formats
# libsndfile does not read; python3 and pip to fetch the default model (python3-venv for the test
# tools' virtual environments); espeak-ng and sox, with which the tests make their speech clips.
packages=(pkg-config libopenblas-dev libfftw3-dev zlib1g-dev libsndfile1-dev libsoxr-dev libsqlite3-dev
          ffmpeg python3 python3-pip python3-venv espeak-ng sox)
# Chromium and its driver only for the browser tests: a server does not need a browser. PostgreSQL
# for the shared-store tests, which start a throwaway cluster of their own (scripts/postgres.sh).
[ "${1:-}" = "--browser" ] && packages+=(chromium chromium-driver postgresql)
missing=()
for package in "${packages[@]}"; do
  # python3 and pip may come from elsewhere (pyenv, a virtual environment): that is enough.
  case "$package" in
    python3) command -v python3 >/dev/null 2>&1 && continue ;;
    python3-pip) python3 -m pip --version >/dev/null 2>&1 && continue ;;
    python3-venv) python3 -c "import ensurepip, venv" >/dev/null 2>&1 && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi
