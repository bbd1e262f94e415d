#!/usr/bin/env bash
# Makes .venv/cuda with NVIDIA's run-time compiler (pip nvidia-cuda-nvrtc, CUDA 13, the H200
# machine's version) if it is missing, and prints the folder holding libnvrtc. NVRTC needs no
# GPU: with it, the tests compile every CUDA kernel on any machine.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv/cuda"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv" >&2
lib=$(ls -d "$venv"/lib/python3*/site-packages/nvidia/cu13/lib 2>/dev/null | head -n 1 || true)
if [ -z "$lib" ] || [ ! -e "$lib/libnvrtc.so.13" ]; then
  "$venv/bin/pip" install -q "nvidia-cuda-nvrtc>=13,<14" >&2
  lib=$(ls -d "$venv"/lib/python3*/site-packages/nvidia/cu13/lib | head -n 1)
fi
echo "$lib"
