#!/usr/bin/env python3
"""Auris's word timestamps against faster-whisper's, clip by clip: the largest difference of any
word's start or end, how many differ by more than 0.2 s (the bound GoldenWordTimestampTests
enforces), and whether the segment bounds agree.

Usage:
  .venv/golden/bin/python scripts/golden/reference.py --word-timestamps   # only to remake them
  python3 Benchmarks/Whisper/compare_words.py [AURIS]

Reads Tests/WhisperTests/Golden/references-words.json; runs AURIS (default .build/release/auris)
with the same decoding (greedy, temperature 0, no conditioning on previous text). The generated
multi-minute clips are compared when scripts/golden/make-clips.py --generated has made them.
Exits non-zero when any word differs by more than 0.2 s or the words themselves differ."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import AURIS, CLIPS, ROOT  # noqa: E402

REFERENCES = os.path.join(ROOT, "Tests", "WhisperTests", "Golden", "references-words.json")


def main():
    auris = sys.argv[1] if len(sys.argv) > 1 else AURIS
    with open(REFERENCES, encoding="utf-8") as f:
        references = json.load(f)["clips"]
    worst, words, failures = 0.0, 0, 0
    for clip in references:
        path = os.path.join(CLIPS, clip["file"])
        if not os.path.exists(path):
            print(f"{clip['file']:36s} missing (make-clips.py --generated)")
            continue
        answer = subprocess.run([auris, "transcribe", "--temperature", "0", "--no-condition-on-previous-text",
                                 "--word-timestamps", "--format", "json", path], capture_output=True, text=True, check=True)
        ours = json.loads(answer.stdout)["segments"]
        theirs = [w for s in clip["segments"] for w in s["words"]]
        timed = [w for s in ours for w in (s.get("words") or [])]
        if [w["word"] for w in timed] != [w["word"] for w in theirs]:
            failures += 1
            print(f"{clip['file']:36s} the words differ: {len(timed)} against {len(theirs)}")
            continue
        differences = [max(abs(a["start"] - b["start"]), abs(a["end"] - b["end"])) for a, b in zip(timed, theirs)]
        largest = max(differences, default=0.0)
        late = sum(d > 0.2 for d in differences)
        bounds = all(abs(a["start"] - b["start"]) <= 0.02 and abs(a["end"] - b["end"]) <= 0.02
                     for a, b in zip(ours, clip["segments"])) and len(ours) == len(clip["segments"])
        worst, words, failures = max(worst, largest), words + len(differences), failures + (late > 0)
        print(f"{clip['file']:36s} {len(differences):5d} words  largest |difference| {largest:.2f} s  "
              f"over 0.2 s: {late}  segment bounds {'agree' if bounds else 'DIFFER'}")
    print(f"words: {words} compared, largest difference {worst:.2f} s, {failures} clips failing")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
