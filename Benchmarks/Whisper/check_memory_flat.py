#!/usr/bin/env python3
"""Test: Auris's peak process memory for a 30-minute input is within 10 % of that for a
3-minute input, because audio and features are streamed, never held whole.

Both inputs are built from the golden 3-minute story (made by scripts/golden/make-clips.py
--generated); the 30-minute one repeats it ten times. Exits non-zero when the bound is broken.
Prints `memory-flat: N passed, N failed` as its last line."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from common import AURIS, CLIPS, concatenate, run_measured  # noqa: E402

LIMIT = 1.10


def main():
    story = os.path.join(CLIPS, "generated", "long_story_3min.wav")
    if not os.path.exists(story):
        raise SystemExit(f"{story} is missing: run scripts/golden/make-clips.py --generated")
    with tempfile.TemporaryDirectory() as work:
        short, long = os.path.join(work, "three-minutes.wav"), os.path.join(work, "thirty-minutes.wav")
        short_seconds = concatenate([story], short, repeat=1)
        long_seconds = concatenate([story], long, repeat=10)
        results = {}
        for name, path, seconds in (("3 min", short, short_seconds), ("30 min", long, long_seconds)):
            _, _, wall, peak = run_measured([AURIS, "transcribe", "--threads", "2", "--format", "json", path])
            results[name] = peak
            print(f"{name}: {seconds:.0f} s of audio, {wall:.1f} s wall, peak RSS {peak / 2**20:.1f} MiB")
    ratio = results["30 min"] / results["3 min"]
    passed = ratio <= LIMIT
    print(f"peak RSS ratio 30 min / 3 min = {ratio:.3f} (limit {LIMIT})")
    print(f"memory-flat: {int(passed)} passed, {int(not passed)} failed")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
