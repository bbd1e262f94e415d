#!/usr/bin/env python3
"""`make bench`: Auris against faster-whisper on the same model (Whisper tiny.en, float32),
the same clips, 2 threads each, greedy decoding, runs interleaved so that machine noise hits
both alike. Prints medians and the ratios Auris / faster-whisper for transcription time and
for peak process memory (each tool in its own process, model loading included in memory)."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import AURIS, CLIPS, MODEL, median, run_measured  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PEER_PYTHON = os.environ.get("PEER_PYTHON", os.path.join(os.path.dirname(__file__), "..", "..", ".venv", "golden", "bin", "python"))
PEER = os.path.join(os.path.dirname(__file__), "faster_whisper_peer.py")
CLIP_NAMES = ["en-mixed_story_32s.wav", "generated/long_story_3min.wav", "generated/long_lecture_4min.wav"]


def auris(clip):
    # The peer's settings: greedy, temperature 0 only, no conditioning on previous text.
    _, summary, _, peak = run_measured([AURIS, "transcribe", "--threads", "2", "--temperature", "0",
                                        "--no-condition-on-previous-text", clip])
    seconds = float(re.search(r"of audio in ([0-9.]+) s", summary).group(1))
    return seconds, peak


def peer(clip):
    out, _, _, peak = run_measured([PEER_PYTHON, PEER, "--model", MODEL, "--threads", "2", clip])
    return json.loads(out.strip().splitlines()[-1])["seconds"], peak


def main():
    rows = []
    for name in CLIP_NAMES:
        clip = os.path.join(CLIPS, name)
        if not os.path.exists(clip):
            raise SystemExit(f"{clip} is missing: run scripts/golden/make-clips.py --generated")
        ours, theirs = [], []
        for round_index in range(ROUNDS):
            # Alternate who goes first, so neither always meets a warm or a cold cache.
            order = (auris, peer) if round_index % 2 == 0 else (peer, auris)
            for tool in order:
                (ours if tool is auris else theirs).append(tool(clip))
        rows.append((name, ours, theirs))
        print_row(name, ours, theirs)
    times = [median([t for t, _ in ours]) / median([t for t, _ in theirs]) for _, ours, theirs in rows]
    memories = [median([m for _, m in ours]) / median([m for _, m in theirs]) for _, ours, theirs in rows]
    print(f"\nmedian over clips: time ratio {median(times):.2f}, peak-memory ratio {median(memories):.2f} "
          f"(Auris / faster-whisper; target ≤ 1 for both)")


def print_row(name, ours, theirs):
    our_time, their_time = median([t for t, _ in ours]), median([t for t, _ in theirs])
    our_memory, their_memory = median([m for _, m in ours]), median([m for _, m in theirs])
    print(f"{name:36s} time {our_time:7.2f} s vs {their_time:7.2f} s  ratio {our_time / their_time:5.2f}   "
          f"peak RSS {our_memory / 2**20:7.1f} MiB vs {their_memory / 2**20:7.1f} MiB  ratio {our_memory / their_memory:5.2f}")
    sys.stdout.flush()


if __name__ == "__main__":
    print(f"Auris vs faster-whisper, tiny.en float32, 2 threads, medians of {ROUNDS} interleaved runs")
    main()
