"""A second peer for the engine benchmark: whisper.cpp (through the pywhispercpp wheel) on the same
weights, converted by ct2_to_ggml.py, with faster_whisper_peer.py's settings: greedy, temperature 0
only, no conditioning on previous text, no VAD, English. Prints one JSON line: seconds spent
transcribing (model load excluded; reading the clip included, as faster-whisper's transcribe
does) and the text. whisper.cpp takes 16 kHz mono only, and resampling here would time work the
other peers do not do, so any other clip is refused.

Expect some words to differ from faster-whisper on short or low-confidence clips: whisper.cpp fills a
window past the end of the audio with the log-mel of silence, faster-whisper with zero features.
whisper.cpp's OpenMP threads spin while they wait, so on a machine whose cores are busy with other
work its times blow up (ten times and more); OMP_WAIT_POLICY=passive avoids that there."""
import argparse
import json
import sys
import time
import wave

import _pywhispercpp as whisper_cpp
import numpy as np
from pywhispercpp.model import Model

parser = argparse.ArgumentParser()
parser.add_argument("--model", required=True, help="a ggml model file (ct2_to_ggml.py's output)")
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("clip")
arguments = parser.parse_args()

with wave.open(arguments.clip, "rb") as clip:
    if (clip.getframerate(), clip.getnchannels(), clip.getsampwidth()) != (16000, 1, 2):
        sys.exit(f"{arguments.clip}: {clip.getframerate()} Hz, {clip.getnchannels()} channel(s), "
                 f"{8 * clip.getsampwidth()}-bit; whisper.cpp needs 16 kHz mono 16-bit PCM (convert it first)")

# temperature_inc 0 turns off whisper.cpp's temperature fallback, as temperature=[0.0] does in
# faster-whisper; no_context is condition_on_previous_text=False; suppress_nst is faster-whisper's
# default suppress_tokens=[-1] (the non-speech tokens). Everything else stays whisper.cpp's default
# (flash attention included). Logs stay on stderr.
model = Model(arguments.model, n_threads=arguments.threads, language="en", temperature=0.0, temperature_inc=0.0,
              no_context=True, suppress_nst=True, print_progress=False, print_realtime=False)
started = time.monotonic()
with wave.open(arguments.clip, "rb") as clip:
    audio = np.frombuffer(clip.readframes(clip.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
model.transcribe(audio)
# pywhispercpp strips each segment's text; join whisper.cpp's own texts, leading spaces and all, as
# the faster-whisper peer joins its segments.
text = "".join(whisper_cpp.whisper_full_get_segment_text(model._ctx, i).decode(errors="replace")
               for i in range(whisper_cpp.whisper_full_n_segments(model._ctx)))
print(json.dumps({"seconds": time.monotonic() - started, "text": text, "duration": len(audio) / 16000}))
