#!/usr/bin/env python3
"""Makes the golden audio clips: 16 kHz mono 16-bit PCM WAV, synthesised with espeak-ng and sox.

Usage:
  scripts/golden/make-clips.py                 make every clip and write the manifest
  scripts/golden/make-clips.py --generated     make only the long clips that are not committed
  scripts/golden/make-clips.py --check         exit 1 unless every committed clip is present and
                                               matches the manifest (and, with --generated, the
                                               generated ones too)
  scripts/golden/make-clips.py --out DIR       write somewhere else (default
                                               Tests/WhisperTests/Golden/clips)

Committed clips (small, under 3 MB together) live in Golden/clips/. The two multi-minute clips are
too big to commit; they are written to Golden/clips/generated/ (git-ignored) and made again at
test time with `--generated`. Their recipe is fixed and both tools are deterministic (sox runs with
-R, its repeatable mode, and without dither), so the same espeak-ng and sox versions give the same
bytes: the manifest records the versions and each clip's SHA-256, and a test that finds a different
hash should skip its exact-text comparison and say why.

Needs only Python 3 (standard library), espeak-ng and sox on PATH.
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import wave

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_OUT = os.path.join(ROOT, "Tests", "WhisperTests", "Golden", "clips")
RATE = 16000

# ---------------------------------------------------------------------------------------------
# Texts (written for this project).

HELLO = "Hello, and welcome to the Auris speech recognition test."
WEATHER = (
    "The weather today is cloudy with a chance of rain in the afternoon. "
    "Please remember to bring an umbrella."
)
MEETING = (
    "Good morning everyone. Let's begin the weekly meeting with a quick review of last week's action items."
)
FAST = "Speed matters, but accuracy matters more when we transcribe long recordings."
SLOW = "Speak slowly and clearly, so that every single word can be understood."
NOISY = (
    "Even with background noise, the model should still recognise most of what is being said here."
)
NUMBERS = (
    "On March third, twenty twenty four, at four thirty in the afternoon, we shipped version two point five "
    "to three hundred and twelve customers."
)
PADDED = "This sentence has long silences before and after it."

STORY = [
    "Once upon a time, in a small town by the sea, there lived an old clockmaker who repaired every clock "
    "in the village. Each morning he opened his shop at seven o'clock, and each evening he closed it at six.",
    "One winter, a young girl brought him a broken music box that had belonged to her grandmother. "
    "The clockmaker turned it over in his hands, and promised to have it working again by spring.",
    "He worked on it every night for many weeks. He cleaned the tiny gears, straightened the bent comb, "
    "and carved a new pin from a piece of brass.",
    "When the first flowers appeared, the girl came back to the shop. The clockmaker wound the key, "
    "opened the lid, and a gentle melody filled the room. The girl smiled, and thanked him.",
    "Word of the repaired music box travelled quickly. Soon people came from the neighbouring villages, "
    "carrying watches, barometers and tin toys that had been silent for years.",
    "The clockmaker could not keep up with all the work, so he asked the girl whether she would like to "
    "learn the trade. She said yes before he had even finished the question.",
    "Every afternoon after school she sat at the second bench, sorting screws by size and listening to "
    "the old man explain why a pendulum keeps time and why a spring loses its strength.",
    "Many years later, the sign above the door still said clocks and watches repaired. "
    "The girl, now a clockmaker herself, opened the shop at seven o'clock every morning.",
]

LECTURE = [
    "Today we will talk about how computers store numbers. A computer represents every value as a pattern "
    "of bits, and the number of bits decides how large or how precise a value can be.",
    "Integers are stored exactly, as long as they fit in the available bits. Real numbers are different: "
    "most of them can only be approximated, and the approximation error grows with every calculation.",
    "Memory is organised in bytes. When a program asks for memory, the operating system or a runtime "
    "allocator hands out a block, and when the program is done, the block is returned.",
    "An allocator that keeps freed blocks in a cache can answer the next request much faster. "
    "The price is that the cached memory looks busy to everyone else, even though nobody is using it.",
    "Fragmentation happens when free memory is split into many small pieces. There may be enough free "
    "bytes in total, but no single piece is large enough for the next request.",
    "That is why a long running service should be able to release its cache on demand, "
    "and report exactly how much memory it gave back.",
    "Graphics processors have their own memory, separate from the main memory of the computer. "
    "Data must be copied across a bus before the processor can work on it, and copying takes time.",
    "A speech recognition model keeps its weights in that memory for as long as it is loaded. "
    "Each request also needs temporary space for features, activations and a cache of keys and values.",
    "When several people share one machine, every service should take only what it needs, "
    "and give back what it no longer uses, so that the next person can load a model too.",
    "To summarise: measure what is allocated, measure what is reserved, and treat the difference as "
    "memory that can be returned. Thank you for listening, and see you next week.",
]

# ---------------------------------------------------------------------------------------------
# Recipes. A clip is a list of parts, optionally mixed with noise.
#   ("speech", voice, words_per_minute, text)
#   ("silence", seconds)
#   ("tones", [(frequency_hz, seconds), ...])


def speech(text, voice="en-us", wpm=175):
    return ("speech", voice, wpm, text)


def silence(seconds):
    return ("silence", seconds)


VOICES = ["en-us", "en-gb", "en-us+f3", "en-gb+f2"]
SPEEDS = [175, 160, 190, 150, 175]
PAUSES = [1.0, 1.5, 0.7, 2.5, 1.0, 3.0]

MELODY = [
    (261.63, 0.4), (293.66, 0.4), (329.63, 0.4), (349.23, 0.4), (392.00, 0.8),
    (392.00, 0.4), (440.00, 0.4), (392.00, 0.4), (349.23, 0.4), (329.63, 0.8),
    (293.66, 0.4), (329.63, 0.4), (261.63, 1.2),
]

CLIPS = [
    {
        "name": "en-us_hello",
        "description": "short sentence, American English male voice",
        "parts": [speech(HELLO)],
        "committed": True,
    },
    {
        "name": "en-gb_weather",
        "description": "two sentences, British English voice",
        "parts": [speech(WEATHER, voice="en-gb")],
        "committed": True,
    },
    {
        "name": "en-us-female_meeting",
        "description": "American English, female variant (+f3)",
        "parts": [speech(MEETING, voice="en-us+f3")],
        "committed": True,
    },
    {
        "name": "en-us_fast",
        "description": "fast speech (260 words per minute)",
        "parts": [speech(FAST, wpm=260)],
        "committed": True,
    },
    {
        "name": "en-us_slow",
        "description": "slow speech (110 words per minute)",
        "parts": [speech(SLOW, wpm=110)],
        "committed": True,
    },
    {
        "name": "en-gb-female_noisy",
        "description": "British English female variant (+f2) with pink noise mixed in at a low level",
        "parts": [speech(NOISY, voice="en-gb+f2")],
        "noise": {"type": "pinknoise", "volume": 0.06},
        "committed": True,
    },
    {
        "name": "en-us_numbers",
        "description": "dates and numbers spelled out in speech",
        "parts": [speech(NUMBERS)],
        "committed": True,
    },
    {
        "name": "en-us_padded",
        "description": "speech with 2 s of silence before and 3 s after",
        "parts": [silence(2.0), speech(PADDED), silence(3.0)],
        "committed": True,
    },
    {
        "name": "silence",
        "description": "4 s of digital silence",
        "parts": [silence(4.0)],
        "committed": True,
    },
    {
        "name": "noise-only",
        "description": "3 s of quiet brown noise, no speech",
        "parts": [silence(3.0)],
        "noise": {"type": "brownnoise", "volume": 0.05},
        "committed": True,
    },
    {
        "name": "tones",
        "description": "a music-like sequence of plucked notes, no speech",
        "parts": [("tones", MELODY)],
        "committed": True,
    },
    {
        "name": "en-mixed_story_32s",
        "description": "about 32 s of speech in two voices: crosses the 30 s window boundary",
        "parts": [
            speech(STORY[0]), silence(1.2),
            speech(STORY[1], voice="en-gb"), silence(1.2),
            speech(STORY[2]),
        ],
        "committed": True,
    },
    {
        "name": "long_story_3min",
        "description": "about 3 minutes: the whole story twice, alternating voices, speeds and pauses",
        "parts": [
            part
            for i, paragraph in enumerate(STORY + STORY)
            for part in (
                speech(paragraph, voice=VOICES[i % len(VOICES)], wpm=SPEEDS[i % len(SPEEDS)]),
                silence(PAUSES[i % len(PAUSES)]),
            )
        ],
        "committed": False,
    },
    {
        "name": "pauses_2min",
        "description": "about 2 minutes, two thirds of it long pauses in low background noise (voice activity detection)",
        "parts": [
            silence(9.0), speech(STORY[0]), silence(21.0),
            speech(STORY[1], voice="en-gb"), silence(14.0),
            speech(STORY[2], voice="en-us+f3"), silence(27.0),
            speech(HELLO), silence(6.0),
        ],
        "noise": {"type": "pinknoise", "volume": 0.02},
        "committed": False,
    },
    {
        "name": "long_lecture_4min",
        "description": "about 4 minutes of lecture in several voices, low background noise, long pauses",
        "parts": [
            part
            for i, paragraph in enumerate(LECTURE + LECTURE)
            for part in (
                speech(paragraph, voice=VOICES[(i + 1) % len(VOICES)], wpm=SPEEDS[(i + 2) % len(SPEEDS)]),
                silence(PAUSES[(i + 3) % len(PAUSES)] * (4 if i % 7 == 6 else 1)),
            )
        ],
        "noise": {"type": "pinknoise", "volume": 0.02},
        "committed": False,
    },
]

# ---------------------------------------------------------------------------------------------


def run(*args):
    subprocess.run(list(args), check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def tool_version(command):
    out = subprocess.run(command, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return out.stdout.strip().splitlines()[0]


def sox(*args):
    # -R: repeatable (fixed seeds for noise); -D: no dither, so conversions are exact functions of
    # their input.
    run("sox", "-R", "-D", *args)


def format_args():
    return ["-r", str(RATE), "-c", "1", "-b", "16", "-e", "signed-integer"]


def make_part(part, path, work):
    kind = part[0]
    if kind == "speech":
        _, voice, wpm, text = part
        raw = os.path.join(work, "espeak.wav")
        run("espeak-ng", "-v", voice, "-s", str(wpm), "-w", raw, text)
        sox(raw, *format_args(), path)
    elif kind == "silence":
        sox("-n", *format_args(), path, "trim", "0", "%.3f" % part[1])
    elif kind == "tones":
        notes = []
        for i, (frequency, seconds) in enumerate(part[1]):
            note = os.path.join(work, "note%03d.wav" % i)
            sox("-n", *format_args(), note, "synth", "%.3f" % seconds, "pluck", "%.2f" % frequency,
                "fade", "q", "0.01", "%.3f" % seconds, "0.08", "vol", "0.5")
            notes.append(note)
        sox(*notes, path)
    else:
        raise ValueError("unknown part %r" % (kind,))


def make_clip(clip, path):
    with tempfile.TemporaryDirectory(prefix="auris-clip-") as work:
        pieces = []
        for i, part in enumerate(clip["parts"]):
            piece = os.path.join(work, "part%03d.wav" % i)
            make_part(part, piece, work)
            pieces.append(piece)
        joined = os.path.join(work, "joined.wav")
        if len(pieces) == 1:
            shutil.copyfile(pieces[0], joined)
        else:
            sox(*pieces, joined)
        noise = clip.get("noise")
        if noise:
            seconds = wav_duration(joined)
            noise_path = os.path.join(work, "noise.wav")
            sox("-n", *format_args(), noise_path, "synth", "%.6f" % seconds, noise["type"],
                "vol", str(noise["volume"]))
            # -m: mix; the speech keeps its level (each input at volume 1, clipping guarded).
            sox("-m", "-v", "1", joined, "-v", "1", noise_path, *format_args(), path)
        else:
            sox(joined, *format_args(), path)


def wav_duration(path):
    with wave.open(path, "rb") as w:
        return w.getnframes() / float(w.getframerate())


def check_format(path):
    with wave.open(path, "rb") as w:
        assert w.getframerate() == RATE, path
        assert w.getnchannels() == 1, path
        assert w.getsampwidth() == 2, path


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def clip_path(out, clip):
    folder = out if clip["committed"] else os.path.join(out, "generated")
    return os.path.join(folder, clip["name"] + ".wav")


def text_of(clip):
    return " ".join(p[3] for p in clip["parts"] if p[0] == "speech")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=DEFAULT_OUT)
    parser.add_argument("--generated", action="store_true", help="only the clips that are not committed")
    parser.add_argument("--check", action="store_true", help="verify clips against the manifest")
    args = parser.parse_args()

    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            sys.exit("make-clips: %s is not installed (apt-get install espeak-ng sox)" % tool)

    out = os.path.abspath(args.out)
    manifest_path = os.path.join(out, "manifest.json")

    if args.check:
        with open(manifest_path, encoding="utf-8") as f:
            manifest = json.load(f)
        bad = 0
        for entry in manifest["clips"]:
            if not entry["committed"] and not args.generated:
                continue
            path = os.path.join(out, entry["file"])
            if not os.path.exists(path) or sha256(path) != entry["sha256"]:
                print("differs or missing: %s" % entry["file"])
                bad += 1
        sys.exit(1 if bad else 0)

    os.makedirs(os.path.join(out, "generated"), exist_ok=True)
    with open(os.path.join(out, "generated", ".gitignore"), "w") as f:
        f.write("# Made by scripts/golden/make-clips.py --generated; too big to commit.\n*\n!.gitignore\n")
    entries = []
    for clip in CLIPS:
        path = clip_path(out, clip)
        if args.generated and clip["committed"]:
            continue
        make_clip(clip, path)
        check_format(path)
        entries.append({
            "file": os.path.relpath(path, out),
            "committed": clip["committed"],
            "description": clip["description"],
            "text": text_of(clip),
            "voices": sorted({p[1] for p in clip["parts"] if p[0] == "speech"}),
            "duration": round(wav_duration(path), 4),
            "bytes": os.path.getsize(path),
            "sha256": sha256(path),
        })
        print("%-40s %8.2f s %9d bytes" % (entries[-1]["file"], entries[-1]["duration"], entries[-1]["bytes"]))

    if args.generated:
        # Compare with the committed manifest instead of rewriting it.
        with open(manifest_path, encoding="utf-8") as f:
            recorded = {e["file"]: e for e in json.load(f)["clips"]}
        mismatched = [e["file"] for e in entries if recorded.get(e["file"], {}).get("sha256") != e["sha256"]]
        if mismatched:
            print("warning: generated clips differ from the manifest (other espeak-ng or sox version?): %s"
                  % ", ".join(mismatched), file=sys.stderr)
            sys.exit(2)
        return

    manifest = {
        "generator": "scripts/golden/make-clips.py",
        "espeak_ng": tool_version(["espeak-ng", "--version"]),
        "sox": tool_version(["sox", "--version"]),
        "sample_rate": RATE,
        "committed_bytes": sum(e["bytes"] for e in entries if e["committed"]),
        "clips": entries,
    }
    with open(manifest_path, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    print("committed clips: %.2f MB" % (manifest["committed_bytes"] / 1e6))


if __name__ == "__main__":
    main()
