"""A live-recognition client for tests and benchmarks: streams a WAV file into `GET /api/stream`
at real-time pace (or faster), and records every message with the time it arrived.

    from live_client import stream
    result = stream(port, "clip.wav", pace=1.0)
    result["finals"], result["partials"], result["done"], result["close_code"]

Needs the `websockets` package (scripts/browser-venv.sh installs it in .venv/browser)."""
import asyncio
import json
import time
import wave

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed


def read_wav(path):
    with wave.open(path, "rb") as clip:
        assert clip.getsampwidth() == 2 and clip.getnchannels() == 1, "16-bit mono WAV"
        return clip.getframerate(), clip.readframes(clip.getnframes())


async def _stream(port, path, pace, start, frame_ms, extra_messages):
    rate, pcm = read_wav(path)
    start = {"type": "start", "sample_rate": rate, **(start or {})}
    result = {"messages": [], "partials": [], "finals": [], "done": None, "error": None, "ready": None}
    async with connect(f"ws://127.0.0.1:{port}/api/stream", max_size=1 << 22) as socket:
        await socket.send(json.dumps(start))

        async def receive():
            try:
                async for text in socket:
                    message = json.loads(text)
                    message["_arrived"] = time.monotonic() - result["t0"]
                    result["messages"].append(message)
                    kind = message.get("type")
                    if kind == "ready":
                        result["ready"] = message
                    elif kind == "partial":
                        result["partials"].append(message)
                    elif kind == "final":
                        result["finals"].append(message)
                    elif kind == "done":
                        result["done"] = message
                    elif kind == "error":
                        result["error"] = message
            except ConnectionClosed:
                pass

        result["t0"] = time.monotonic()
        receiver = asyncio.create_task(receive())
        step = rate * 2 * frame_ms // 1000
        for offset in range(0, len(pcm), step):
            for when, message in extra_messages:
                if when == offset:
                    await socket.send(message)
            await socket.send(pcm[offset:offset + step])
            if pace:
                # Sent at the pace of the audio: frame k leaves at k * frame_ms of audio time.
                due = result["t0"] + (offset + step) / (rate * 2) / pace
                await asyncio.sleep(max(0, due - time.monotonic()))
        result["sent_at"] = time.monotonic() - result["t0"]
        await socket.send(json.dumps({"type": "stop"}))
        await receiver
        result["close_code"] = socket.close_code
        result["close_reason"] = socket.close_reason
    return result


def stream(port, path, pace=1.0, start=None, frame_ms=100, extra_messages=()):
    """Streams `path` (16-bit mono WAV, its own rate declared) in `frame_ms` frames; pace 1 is
    real time, 0 as fast as possible. `extra_messages`: (byte offset, message) sent before the
    frame at that offset."""
    return asyncio.run(_stream(port, path, pace, start, frame_ms, extra_messages))


async def _exchange(port, messages):
    """Sends `messages` in order and returns (every reply, close code)."""
    replies = []
    async with connect(f"ws://127.0.0.1:{port}/api/stream") as socket:
        for message in messages:
            await socket.send(message)
        try:
            async for text in socket:
                replies.append(json.loads(text))
        except ConnectionClosed:
            pass
        return replies, socket.close_code


def exchange(port, messages):
    return asyncio.run(_exchange(port, messages))
