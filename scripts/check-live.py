#!/usr/bin/env python3
"""Test: live recognition over `GET /api/stream` (a WebSocket) against a real `auris serve`.

A Python `websockets` client streams the golden story clip (32 s, three voices, 1.2 s pauses) at
real-time pace and checks: a `ready` message naming the stream's job; partials while speech goes
on; finals that read as the offline transcript of the same clip (word error rate within 2
points), in order, none sent twice; `done` and close code 1000; the stream's job done with the
finals' text, found by history search, and audited. Meanwhile an unload of its model is refused
(the model is in use) and `unload_and_clear` leaves it loaded. Then: the same clip at 48 kHz as
float32 (resampled by the server), and bad input: a start message that is not JSON, an unknown
model, a text message mid-stream; each gets an error message and its close code. Last, a stream
cancelled with `DELETE /api/jobs/{id}` while its client sends nothing: the client gets
`job_cancelled` and 1000, the job ends cancelled.

Usage: check-live.py path/to/auris (run by make test with .venv/browser's python)"""
import asyncio
import json
import os
import sys
import tempfile
import threading
import time
import wave

sys.path.insert(0, os.path.dirname(__file__))
from auris_server import CLIPS, Server  # noqa: E402
from live_client import exchange, stream  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402
from websockets.exceptions import ConnectionClosed  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Benchmarks", "Whisper"))
from common import word_error_rate, words  # noqa: E402

STORY = os.path.join(CLIPS, "en-mixed_story_32s.wav")
passed = failed = 0


def check(condition, what):
    global passed, failed
    if condition:
        passed += 1
    else:
        failed += 1
        print(f"FAILED: {what}", file=sys.stderr)


def as_float32_48k(path, target):
    """The clip at 48 kHz as float32 PCM, by linear interpolation (the server resamples it back)."""
    with wave.open(path, "rb") as clip:
        frames = clip.readframes(clip.getnframes())
    import array
    samples = array.array("h", frames)
    out = array.array("f")
    for i in range(len(samples) * 3):
        position = i / 3
        k = int(position)
        a = samples[k]
        b = samples[min(k + 1, len(samples) - 1)]
        out.append((a + (b - a) * (position - k)) / 32768)
    with open(target, "wb") as f:
        f.write(out.tobytes())


def main():
    auris = sys.argv[1]
    with tempfile.TemporaryDirectory() as work:
        server = Server(auris, work)
        try:
            _, offline = server.upload(STORY)
            offline_text = offline["transcript"]["text"]
            said = json.load(open(os.path.join(CLIPS, "manifest.json")))
            said = next(c["text"] for c in said["clips"] if c["file"] == "en-mixed_story_32s.wav")

            # Mid-stream, the model is held: an unload is refused, a clear leaves it loaded.
            during = {}

            def meddle():
                time.sleep(12)
                during["unload"] = server.call("POST", "/api/models/whisper-tiny.en/unload")[0]
                during["clear"] = server.call("POST", "/api/system/unload_and_clear")[0]
                models = server.call("GET", "/api/models")[1]["models"]
                during["loaded"] = next(m for m in models if m["id"] == "whisper-tiny.en")["loaded"]
            meddler = threading.Thread(target=meddle)
            meddler.start()
            live = stream(server.port, STORY, pace=1.0)
            meddler.join()

            check(live["ready"] is not None and live["ready"].get("job_id"), f"ready names the job: {live['ready']}")
            check(live["error"] is None, f"no error: {live['error']}")
            check(live["close_code"] == 1000, f"closed with 1000, not {live['close_code']} {live['close_reason']}")
            finals = [m["segment"] for m in live["finals"]]
            text = "".join(s["text"] for s in finals)
            live_wer, offline_wer = word_error_rate(words(said), words(text)), word_error_rate(words(said), words(offline_text))
            print(f"live: {len(live['partials'])} partials, {len(finals)} finals; WER against what was said "
                  f"{100 * live_wer:.1f} % live, {100 * offline_wer:.1f} % offline")
            check(live_wer <= offline_wer + 0.02, f"live text within 2 points of offline: {text!r} vs {offline_text!r}")
            check(len(live["partials"]) >= 5, "partials while speaking")
            check([s["id"] for s in finals] == list(range(len(finals))), "finals numbered once each, in order")
            check(all(a["end"] <= b["start"] + 0.01 for a, b in zip(finals, finals[1:])), "finals in time order")
            check(live["done"] is not None and live["done"]["text"] == text, "done carries the finals' text")
            check(during.get("unload") == 409 and during.get("clear") == 200 and during.get("loaded") is True,
                  f"the model stays while the stream runs: {during}")

            job_id = live["ready"]["job_id"]
            _, job = server.call("GET", f"/api/jobs/{job_id}")
            check(job.get("state") == "done" and job.get("transcript", {}).get("text") == text, f"the stream's job: {job.get('state')}")
            _, history = server.call("GET", "/api/history?q=clockmaker")
            check(any(item["id"] == job_id for item in history.get("items", history.get("jobs", []))), "history finds the stream")
            _, audit = server.call("GET", "/api/system/audit?action=stream")
            actions = [entry["action"] for entry in audit.get("items", [])]
            check("stream.started" in actions and "stream.ended" in actions, f"audited: {actions}")

            raw = os.path.join(work, "story-48k.f32")
            as_float32_48k(STORY, raw)
            fast = exchange_file(server.port, raw, {"type": "start", "sample_rate": 48000, "encoding": "pcm_f32le"})
            fast_text = "".join(m["segment"]["text"] for m in fast if m.get("type") == "final")
            check(word_error_rate(words(said), words(fast_text)) <= offline_wer + 0.05, f"48 kHz float32: {fast_text!r}")

            replies, code = exchange(server.port, ["not json"])
            check(code == 1008 and replies and replies[0].get("code") == "invalid_start", f"bad start: {code} {replies}")
            replies, code = exchange(server.port, [json.dumps({"type": "start", "model": "nope"})])
            check(code == 1008 and replies and replies[0].get("code") == "unknown_model", f"unknown model: {code} {replies}")
            replies, code = exchange(server.port, [json.dumps({"type": "start", "sample_rate": 5})])
            check(code == 1008 and replies and replies[0].get("code") == "invalid_sample_rate", f"bad rate: {code} {replies}")
            replies, code = exchange(server.port, [json.dumps({"type": "start"}), b"\0\0" * 1600, "hello"])
            check(code == 1003 and replies and replies[-1].get("code") == "invalid_message", f"text mid-stream: {code} {replies}")

            # Cancelled like any job: the client is told and the socket closes, though it sends nothing.
            replies, code, job_id, deleted = asyncio.run(cancelled_mid_stream(server))
            check(deleted[0] == 200 and deleted[1].get("state") == "cancelled", f"DELETE a stream's job: {deleted}")
            check(code == 1000 and replies and replies[-1].get("code") == "job_cancelled", f"cancelled stream: {code} {replies}")
            check(server.call("GET", f"/api/jobs/{job_id}")[1].get("state") == "cancelled", "its job ends cancelled")
            again = server.call("DELETE", f"/api/jobs/{job_id}")
            check(again[0] == 200 and again[1].get("state") == "cancelled", f"a second DELETE answers as for any cancelled job: {again}")
            check(server.call("GET", "/health")[0] == 200, "the server is still up")
        finally:
            server.stop()
    print(f"check-live: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


async def cancelled_mid_stream(server):
    """Starts a stream, sends a second of silence, cancels its job over HTTP and waits (20 s at
    most) for the server to close. Returns (replies after ready, close code, job id, DELETE's reply)."""
    async with connect(f"ws://127.0.0.1:{server.port}/api/stream") as socket:
        await socket.send(json.dumps({"type": "start"}))
        job_id = json.loads(await socket.recv())["job_id"]
        await socket.send(b"\0\0" * 16000)
        await asyncio.sleep(0.5)
        deleted = await asyncio.to_thread(server.call, "DELETE", f"/api/jobs/{job_id}")
        replies = []

        async def read():
            try:
                async for text in socket:
                    replies.append(json.loads(text))
            except ConnectionClosed:
                pass
        await asyncio.wait_for(read(), 20)
        return replies, socket.close_code, job_id, deleted


def exchange_file(port, raw_path, start):
    with open(raw_path, "rb") as f:
        data = f.read()
    step = 48000 * 4 // 5   # 200 ms
    messages = [json.dumps(start)] + [data[i:i + step] for i in range(0, len(data), step)] + [json.dumps({"type": "stop"})]
    replies, _ = exchange(port, messages)
    return replies


if __name__ == "__main__":
    main()
