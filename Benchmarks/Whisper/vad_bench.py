#!/usr/bin/env python3
"""Benchmark: a 2-hour recording that is 90 % silence (low pink noise between talks), transcribed
by Auris with and without voice activity detection, and by faster-whisper with `vad_filter=True`
(the peer, same model, same run). Prints each time, the ratio VAD / no VAD (the target: below
0.25), and how far each transcript's words are from those of the speech alone (the same clips
joined without the silence, transcribed by Auris: what cutting the silence out by hand gives)
and from what was said (the clips' texts).

The speech is the golden clips (scripts/golden/make-clips.py --generated makes the long ones):
about 12 minutes of it, in whole clips, each followed by an equal share of the silence.

Usage: python3 Benchmarks/Whisper/vad_bench.py [--minutes 120] [--keep FILE]
  PEER_PYTHON: a Python with faster-whisper (scripts/golden/setup-venv.sh); without it the peer
  is skipped."""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from common import AURIS, CLIPS, MODEL, concatenate, run_measured, word_error_rate, words  # noqa: E402

SPEECH = [
    "generated/long_story_3min.wav", "en-us_hello.wav", "en-gb_weather.wav", "generated/long_lecture_4min.wav",
    "en-us-female_meeting.wav", "en-us_fast.wav", "en-mixed_story_32s.wav", "en-us_slow.wav",
    "en-gb-female_noisy.wav", "en-us_numbers.wav", "generated/long_story_3min.wav", "en-us_padded.wav",
]


def wav_seconds(path):
    import wave
    with wave.open(path, "rb") as clip:
        return clip.getnframes() / clip.getframerate()


def sources():
    paths = [os.path.join(CLIPS, name) for name in SPEECH]
    for path in paths:
        if not os.path.exists(path):
            raise SystemExit(f"{path} is missing: run scripts/golden/make-clips.py --generated")
    return paths


def spoken_text():
    with open(os.path.join(CLIPS, "manifest.json")) as f:
        texts = {entry["file"]: entry["text"] for entry in json.load(f)["clips"]}
    return " ".join(texts[name] for name in SPEECH)


def build(target, minutes, work):
    speech = sum(wav_seconds(s) for s in sources())
    gap = (minutes * 60 - speech) / len(SPEECH)
    noise = os.path.join(work, "gap.wav")
    subprocess.run(["sox", "-R", "-n", "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", noise,
                    "synth", "%.3f" % gap, "pinknoise", "vol", "0.02"], check=True)
    parts = [p for source in sources() for p in (source, noise)]
    seconds = concatenate(parts, target)
    return seconds, speech


GREEDY = ["--temperature", "0", "--no-condition-on-previous-text"]  # the peer's settings


def auris(path, vad, extra=()):
    command = [AURIS, "transcribe", "--threads", "2", "--format", "json", path] + (["--vad"] if vad else []) + list(extra)
    out, _, wall, peak = run_measured(command)
    return json.loads(out)["text"], wall, peak


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=120)
    parser.add_argument("--keep", help="also write the transcripts here (JSON)")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        path = os.path.join(work, "mostly-silence.wav")
        seconds, speech = build(path, arguments.minutes, work)
        print(f"input: {seconds / 60:.1f} min, {speech / 60:.1f} min of it speech ({100 * speech / seconds:.0f} %)")
        with_vad, vad_wall, vad_peak = auris(path, vad=True)
        print(f"auris --vad: {vad_wall:.1f} s, peak RSS {vad_peak / 2**20:.0f} MiB")
        without, plain_wall, plain_peak = auris(path, vad=False)
        print(f"auris:       {plain_wall:.1f} s, peak RSS {plain_peak / 2**20:.0f} MiB")
        peer = os.environ.get("PEER_PYTHON")
        peer_text = None
        if peer:
            script = os.path.join(os.path.dirname(__file__), "faster_whisper_peer.py")
            out, _, peer_wall, peer_peak = run_measured([peer, script, "--model", MODEL, "--vad", path])
            peer_text = json.loads(out)["text"]
            print(f"faster-whisper vad_filter=True: {peer_wall:.1f} s (model load included), peak RSS {peer_peak / 2**20:.0f} MiB")
        speech_only = os.path.join(work, "speech-only.wav")
        concatenate(sources(), speech_only)
        alone, _, _ = auris(speech_only, vad=False)
        greedy_vad = auris(path, vad=True, extra=GREEDY)[0] if peer else None
    ratio = vad_wall / plain_wall
    print(f"time with VAD / without: {ratio:.3f} (target < 0.25)")
    said, alone_words = words(spoken_text()), words(alone)
    for name, text in (("auris --vad", with_vad), ("auris", without), ("the speech alone", alone)):
        print(f"{name}: {len(words(text))} words; WER against the speech alone "
              f"{100 * word_error_rate(alone_words, words(text)):.1f} %, against what was said "
              f"{100 * word_error_rate(said, words(text)):.1f} %")
    if peer_text is not None:
        print(f"with the peer's settings (greedy, temperature 0, no previous text): WER of Auris --vad against "
              f"faster-whisper vad_filter {100 * word_error_rate(words(peer_text), words(greedy_vad)):.1f} %, "
              f"against what was said {100 * word_error_rate(said, words(greedy_vad)):.1f} % "
              f"(faster-whisper {100 * word_error_rate(said, words(peer_text)):.1f} %); "
              f"time Auris / faster-whisper {vad_wall / peer_wall:.2f}")
    if arguments.keep:
        with open(arguments.keep, "w") as f:
            json.dump({"vad": with_vad, "no_vad": without, "speech_alone": alone, "peer_vad": peer_text,
                       "greedy_vad": greedy_vad}, f, indent=1)
    print(f"vad-bench: {'passed' if ratio < 0.25 else 'missed'} the 0.25 target")


if __name__ == "__main__":
    main()
