"""The peer in the engine benchmark: faster-whisper on the same model, clip and settings.
Prints one JSON line: seconds spent transcribing (model load excluded) and the text."""
import argparse
import json
import time

from faster_whisper import WhisperModel

parser = argparse.ArgumentParser()
parser.add_argument("--model", required=True)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--compute-type", default="float32", choices=["float32", "int8"])
parser.add_argument("--vad", action="store_true", help="vad_filter=True with the default VadOptions")
parser.add_argument("clip")
arguments = parser.parse_args()

model = WhisperModel(arguments.model, device="cpu", compute_type=arguments.compute_type, cpu_threads=arguments.threads)
started = time.monotonic()
segments, info = model.transcribe(arguments.clip, beam_size=1, temperature=0.0, condition_on_previous_text=False,
                                  vad_filter=arguments.vad, language="en")
text = "".join(segment.text for segment in segments)
print(json.dumps({"seconds": time.monotonic() - started, "text": text, "duration": info.duration}))
