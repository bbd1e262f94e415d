"""Shared helpers for the engine benchmarks and checks: running a command as a child process and
reading its own peak resident memory (wait4's ru_maxrss), making long inputs by concatenating
clips, and word error rates."""
import os
import re
import subprocess
import sys
import tempfile
import time
import wave

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLIPS = os.path.join(ROOT, "Tests", "WhisperTests", "Golden", "clips")
MODEL = os.environ.get("AURIS_DEFAULT_MODEL", os.path.join(ROOT, "models", "whisper-tiny.en"))
AURIS = os.path.join(ROOT, ".build", "release", "auris")


def run_measured(command, env=None):
    """Runs `command`; returns (stdout, stderr, wall seconds, peak RSS bytes of that child)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        # wait4 reports this child's own peak memory, unlike RUSAGE_CHILDREN, which keeps the
        # maximum over every child so far.
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if process.returncode != 0:
        sys.stderr.write(stderr)
        raise SystemExit(f"{command[0]} exited with {process.returncode}")
    return stdout, stderr, wall, usage.ru_maxrss * 1024


def concatenate(sources, target, repeat=1):
    """Writes the clips in `sources`, `repeat` times over, into one 16 kHz mono WAV, streaming."""
    with wave.open(target, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        for _ in range(repeat):
            for source in sources:
                with wave.open(source, "rb") as clip:
                    assert clip.getframerate() == 16000 and clip.getnchannels() == 1 and clip.getsampwidth() == 2
                    while frames := clip.readframes(1 << 16):
                        out.writeframes(frames)
    with wave.open(target, "rb") as result:
        return result.getnframes() / 16000


def median(values):
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def words(text):
    """Lower-case words, punctuation dropped: what a word error rate compares."""
    return re.findall(r"[a-z0-9']+", text.lower())


def word_error_rate(reference, hypothesis):
    """Levenshtein distance over words, divided by the reference's length."""
    previous = list(range(len(hypothesis) + 1))
    for i, word in enumerate(reference, 1):
        current = [i] + [0] * len(hypothesis)
        for j, other in enumerate(hypothesis, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != other))
        previous = current
    return previous[-1] / max(len(reference), 1)
