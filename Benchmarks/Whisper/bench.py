#!/usr/bin/env python3
"""`make bench`: Auris against faster-whisper and whisper.cpp, whole process (model loading
included), on a real 53 s reading (LibriVox, scripts/real-speech.sh) at 16 kHz and at 48 kHz.
Same weights (Whisper tiny.en), 2 threads, greedy, temperature 0 only, no conditioning on
previous text. Runs are interleaved (each round in a rotated order), so that machine noise hits
every engine alike; prints medians of wall time and peak RSS, and the ratios the engine targets
are stated in.

  PEER_PYTHON=.venv/golden/bin/python WHISPER_CPP_PYTHON=.venv/whispercpp/bin/python \\
      python3 Benchmarks/Whisper/bench.py          # BENCH_ROUNDS=5 for more rounds
  AURIS_BEFORE=/path/to/older/auris ...            # also an older build, for before/after tables
  BENCH_ENGINES="auris float16,whisper.cpp" ...     # only the engines whose names start so
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import AURIS, MODEL, ROOT, median, run_measured  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
HERE = os.path.dirname(__file__)
PEER_PYTHON = os.environ.get("PEER_PYTHON", os.path.join(ROOT, ".venv", "golden", "bin", "python"))
WHISPER_CPP_PYTHON = os.environ.get("WHISPER_CPP_PYTHON", os.path.join(ROOT, ".venv", "whispercpp", "bin", "python"))
GGML_MODEL = os.path.join(ROOT, "models", "ggml-tiny.en.bin")
CLIPS = {"16 kHz": os.path.join(ROOT, "models", "real-speech", "sonnet001-16k.wav"),
         "48 kHz": os.path.join(ROOT, "models", "real-speech", "sonnet001-48k.wav")}


def auris(compute_type):
    return lambda clip: [AURIS, "transcribe", "--threads", "2", "--compute-type", compute_type,
                         "--temperature", "0", "--no-condition-on-previous-text", clip]


def faster_whisper(compute_type):
    return lambda clip: [PEER_PYTHON, os.path.join(HERE, "faster_whisper_peer.py"), "--model", MODEL,
                         "--threads", "2", "--compute-type", compute_type, clip]


def whisper_cpp(clip):
    return [WHISPER_CPP_PYTHON, os.path.join(HERE, "whisper_cpp_peer.py"), "--model", GGML_MODEL, "--threads", "2", clip]


ENGINES = {
    "auris float16 (default)": auris("float16"),
    "auris int8": auris("int8"),
    "auris float32": auris("float32"),
    "faster-whisper float32": faster_whisper("float32"),
    "faster-whisper int8": faster_whisper("int8"),
    "whisper.cpp (pywhispercpp wheel)": whisper_cpp,
}


if os.environ.get("AURIS_BEFORE"):
    # An older build has no --compute-type: it computed in float32.
    ENGINES["auris before"] = lambda clip: [os.environ["AURIS_BEFORE"], "transcribe", "--threads", "2", "--temperature", "0",
                                            "--no-condition-on-previous-text", clip]


SELECTED = [p.strip() for p in os.environ.get("BENCH_ENGINES", "").split(",") if p.strip()]


def measure(clip_name):
    engines = [name for name in ENGINES if not (name.startswith("whisper.cpp") and clip_name != "16 kHz")
               and (not SELECTED or any(name.startswith(prefix) for prefix in SELECTED))]
    results = {name: [] for name in engines}
    for round_index in range(ROUNDS):
        shift = round_index % len(engines)
        for name in engines[shift:] + engines[:shift]:
            _, _, wall, peak = run_measured(ENGINES[name](CLIPS[clip_name]))
            results[name].append((wall, peak))
    return {name: (median([w for w, _ in runs]), median([p for _, p in runs])) for name, runs in results.items()}


def main():
    for path in list(CLIPS.values()) + [GGML_MODEL]:
        if not os.path.exists(path):
            raise SystemExit(f"{path} is missing: run scripts/real-speech.sh and Benchmarks/Whisper/setup-whispercpp.sh")
    print(f"Whole process, Whisper tiny.en, 2 threads, greedy; LibriVox Sonnet 1 (53 s); medians of {ROUNDS} interleaved rounds")
    table = {}
    for clip_name in CLIPS:
        table[clip_name] = measure(clip_name)
        for name, (wall, peak) in table[clip_name].items():
            print(f"  {clip_name}  {name:34s} {wall:6.2f} s   peak RSS {peak / 2**20:6.1f} MiB")
        sys.stdout.flush()
    if SELECTED:
        return
    ours16, ours48 = table["16 kHz"]["auris float16 (default)"], table["48 kHz"]["auris float16 (default)"]
    cpp = table["16 kHz"]["whisper.cpp (pywhispercpp wheel)"]
    print(f"\nauris float16 / whisper.cpp wheel: time {ours16[0] / cpp[0]:.2f} (target ≤ 0.55 against the wheel), "
          f"peak RSS {ours16[1] / cpp[1]:.2f}")
    print(f"auris float16, 48 kHz / 16 kHz: time {ours48[0] / ours16[0]:.2f} (target ≤ 1.05)")
    print(f"peak RSS: float16 {ours16[1] / 2**20:.1f} MiB (target ≤ 150), int8 {table['16 kHz']['auris int8'][1] / 2**20:.1f} MiB (target ≤ 110)")
    for peer in ["faster-whisper float32", "faster-whisper int8"]:
        theirs = table["16 kHz"][peer]
        print(f"auris float16 / {peer}: time {ours16[0] / theirs[0]:.2f}, peak RSS {ours16[1] / theirs[1]:.2f}")


if __name__ == "__main__":
    main()
