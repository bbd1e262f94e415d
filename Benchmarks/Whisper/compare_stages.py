#!/usr/bin/env python3
"""Auris against CTranslate2, stage by stage, on one clip: the log-mel features, the encoder
output and the logits of every decoding step, for each 30-second window (frames 0, 3000, ...).

CTranslate2 decodes each window greedily from faster-whisper's prompt; Auris is then fed the same
tokens (teacher forcing, through .build/release/StageDump), so every step compares logits for the
same history. Prints the largest absolute difference per stage and window, and where the two
would choose different tokens.

  .venv/golden/bin/python Benchmarks/Whisper/compare_stages.py CLIP [--compute-type float32|float16|int8]
      [--model models/whisper-tiny.en] [--json OUT]   # --json: the figures as JSON

  .venv/golden/bin/python Benchmarks/Whisper/compare_stages.py CLIP --write-reference OUT
      # CTranslate2's side only, compact (every 100th encoder row; each step's token and logit),
      # for the golden test that repeats the comparison in `make test` (Tests/.../Golden/stages.json)

Needs the golden venv (scripts/golden/setup-venv.sh) and `swift build -c release --product StageDump`.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import ctranslate2
import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.transcribe import get_suppressed_tokens
from faster_whisper.audio import decode_audio

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("clip")
    parser.add_argument("--model", default=os.path.join(ROOT, "models", "whisper-tiny.en"))
    parser.add_argument("--compute-type", default="float32", choices=["float32", "float16", "int8"])
    parser.add_argument("--json", default=None)
    parser.add_argument("--write-reference", default=None)
    args = parser.parse_args()

    # faster-whisper has no float16 on the CPU; Auris's float16 is compared with its float32.
    peer_type = "float32" if args.compute_type == "float16" else args.compute_type
    whisper = WhisperModel(args.model, device="cpu", compute_type=peer_type, cpu_threads=2)
    model, tokenizer = whisper.model, None
    from faster_whisper.tokenizer import Tokenizer
    tokenizer = Tokenizer(whisper.hf_tokenizer, whisper.model.is_multilingual, task="transcribe", language="en")

    audio = decode_audio(args.clip, sampling_rate=16000)
    features = whisper.feature_extractor(audio)  # [80, frames], as transcribe() computes them
    content_frames = features.shape[-1] - 1
    suppress = get_suppressed_tokens(tokenizer, [-1])

    plan, peer = [], []
    for start in range(0, content_frames, 3000):
        frames = min(3000, content_frames - start)
        window = np.zeros((80, 3000), dtype=np.float32)
        window[:, :frames] = features[:, start:start + frames]
        encoded = model.encode(ctranslate2.StorageView.from_array(window[None]), to_cpu=True)
        prompt = list(tokenizer.sot_sequence)
        result = model.generate(encoded, [prompt], beam_size=1, max_length=448, return_logits_vocab=True,
                                suppress_blank=True, suppress_tokens=suppress, max_initial_timestamp_index=50)[0]
        tokens = prompt + list(result.sequences_ids[0])
        logits = np.array([np.array(step) for step in result.logits[0]], dtype=np.float32).reshape(len(result.logits[0]), -1)
        plan.append({"start_frame": start, "frames": frames, "prompt_length": len(prompt), "tokens": tokens})
        peer.append((window, np.array(encoded).reshape(1500, -1), logits, tokens))

    if args.write_reference:
        write_reference(args, plan, peer)
        return
    with tempfile.TemporaryDirectory() as out:
        with open(os.path.join(out, "plan.json"), "w") as f:
            json.dump({"windows": plan}, f)
        subprocess.run([os.path.join(ROOT, ".build", "release", "StageDump"), args.model, args.compute_type, args.clip,
                        os.path.join(out, "plan.json"), out], check=True)
        rows = []
        for index, (window, encoded, logits, tokens) in enumerate(peer):
            ours_features = np.fromfile(os.path.join(out, "features_%d.f32" % index), dtype=np.float32).reshape(80, 3000)
            ours_encoded = np.fromfile(os.path.join(out, "encoder_%d.f32" % index), dtype=np.float32).reshape(1500, -1)
            ours_logits = np.fromfile(os.path.join(out, "logits_%d.f32" % index), dtype=np.float32).reshape(-1, logits.shape[1])
            steps = min(len(logits), len(ours_logits))
            # CTranslate2 returns its logits after the rules, with the lowest float for suppressed tokens.
            finite = logits[:steps] > -1e30
            logit_difference = np.abs(np.where(finite, ours_logits[:steps] - logits[:steps], 0))
            masked = np.where(finite, ours_logits[:steps], -np.inf)
            disagreements = [(step, int(np.argmax(logits[step])), int(np.argmax(masked[step])))
                             for step in range(steps) if np.argmax(logits[step]) != np.argmax(masked[step])]
            rows.append({
                "window": index, "start_frame": plan[index]["start_frame"], "steps": steps,
                "features": float(np.abs(ours_features - window).max()),
                "encoder": float(np.abs(ours_encoded - encoded).max()),
                "encoder_scale": float(np.abs(encoded).max()),
                "logits": float(logit_difference.max()),
                "logits_per_step": [float(x) for x in logit_difference.max(axis=1)],
                "argmax_disagreements": disagreements,
            })
    print("%s, Auris %s vs CTranslate2 %s %s" % (os.path.basename(args.clip), args.compute_type, ctranslate2.__version__, peer_type))
    for row in rows:
        print("window %d (frame %d): features %.2e, encoder %.2e (of |max| %.1f), logits %.2e over %d steps, "
              "argmax disagreements %s" % (row["window"], row["start_frame"], row["features"], row["encoder"],
                                           row["encoder_scale"], row["logits"], row["steps"], row["argmax_disagreements"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"clip": os.path.basename(args.clip), "compute_type": args.compute_type, "windows": rows}, f, indent=1)


def write_reference(args, plan, peer):
    """The compact CTranslate2 side: enough to check every stage from Swift without Python."""
    windows = []
    for window, (features, encoded, logits, tokens) in zip(plan, peer):
        prompt = window["prompt_length"]
        windows.append({
            "start_frame": window["start_frame"], "frames": window["frames"], "prompt_length": prompt, "tokens": tokens,
            "feature_rows": {str(f): [round(float(v), 6) for v in features[:, f]] for f in range(0, 3000, 500)},
            "encoder_rows": {str(r): [round(float(v), 5) for v in encoded[r]] for r in range(0, 1500, 100)},
            # The logit of the token CTranslate2 chose at each step (it is that step's argmax).
            "chosen_logits": [round(float(logits[step][tokens[prompt + step]]), 5)
                              for step in range(len(logits)) if prompt + step < len(tokens)],
        })
    with open(args.write_reference, "w") as f:
        json.dump({"generator": "Benchmarks/Whisper/compare_stages.py --write-reference", "clip": os.path.basename(args.clip),
                   "ctranslate2_version": ctranslate2.__version__, "compute_type": "float32", "windows": windows}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
