#!/usr/bin/env python3
"""Benchmark: live recognition latency and accuracy. Plays a recording into `GET /api/stream` at
real-time speed (100 ms frames) against a release `auris serve` and reports:

- partial latency: for each partial, when it arrived minus when the last audio it covers was
  sent (its `end`, on the stream's clock); the median is the target (≤ 1.0 s);
- final latency: for each utterance, when its finals arrived minus when its speech ended (the
  last final's `end`; finals sent together are one utterance); median (target ≤ 1.5 s);
- word error rate of the finals joined, and of the offline transcript (`POST /api/transcriptions`
  of the same file), both against what was said; the live one may be at most 2 points worse.

Usage: python Benchmarks/Whisper/live_bench.py [CLIP ...]   (default: the 3-minute golden story,
made by scripts/golden/make-clips.py --generated, and the LibriVox reading of models/real-speech
from scripts/real-speech.sh, whose text is beside it); needs `websockets` (.venv/browser's python)."""
import json
import os
import statistics
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from auris_server import CLIPS, Server  # noqa: E402
from live_client import stream  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from common import word_error_rate, words  # noqa: E402


def main():
    clips = sys.argv[1:] or [os.path.join(CLIPS, "generated", "long_story_3min.wav"),
                             os.path.join(ROOT, "models", "real-speech", "sonnet001-16k.wav")]
    manifest = {c["file"]: c["text"] for c in json.load(open(os.path.join(CLIPS, "manifest.json")))["clips"]}
    auris = os.path.join(ROOT, ".build", "release", "auris")
    with tempfile.TemporaryDirectory() as work:
        server = Server(auris, work)
        try:
            for clip in clips:
                said = manifest.get(os.path.relpath(clip, CLIPS))
                text_file = os.path.splitext(clip)[0].replace("-16k", "").replace("-48k", "") + ".txt"
                if said is None and os.path.exists(text_file):  # a real recording with its text beside it
                    said = open(text_file).read()
                _, offline = server.upload(clip)
                live = stream(server.port, clip, pace=1.0)
                partial_latency = [p["_arrived"] - p["end"] for p in live["partials"]]
                batches = []  # finals that arrived together: one decode, one utterance (or its agreed part)
                for final in live["finals"]:
                    if batches and final["_arrived"] - batches[-1][-1]["_arrived"] < 0.05:
                        batches[-1].append(final)
                    else:
                        batches.append([final])
                final_latency = [batch[-1]["_arrived"] - batch[-1]["segment"]["end"] for batch in batches]
                text = "".join(f["segment"]["text"] for f in live["finals"])
                print(f"{os.path.basename(clip)}: {live['sent_at']:.1f} s streamed, {len(live['partials'])} partials, "
                      f"{len(live['finals'])} finals in {len(batches)} utterances")
                print(f"  partial latency: median {statistics.median(partial_latency):.2f} s, "
                      f"90th percentile {sorted(partial_latency)[int(0.9 * len(partial_latency))]:.2f} s (target median <= 1.0)")
                print(f"  final latency:   median {statistics.median(final_latency):.2f} s, "
                      f"max {max(final_latency):.2f} s (target median <= 1.5)")
                if said:
                    live_wer = word_error_rate(words(said), words(text))
                    offline_wer = word_error_rate(words(said), words(offline["transcript"]["text"]))
                    print(f"  WER against what was said: live {100 * live_wer:.1f} %, offline {100 * offline_wer:.1f} % "
                          f"(difference {100 * (live_wer - offline_wer):+.1f} points, target <= +2)")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
