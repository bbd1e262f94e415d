"""The GPU peer: PyTorch running the same Whisper weights (read from the CTranslate2 model.bin
Auris loads) on the same device, greedy, 30-second windows, float32 like Auris.

It is a measuring stick, not a second product: the idiomatic PyTorch way (nn.functional,
scaled_dot_product_attention, a key/value cache), so that "Auris vs PyTorch" compares
engines, not a straw man. It prints one JSON object: per clip the text and seconds, the
real-time factor over all clips, and the peak memory PyTorch's own caching allocator saw.

    python3 torch_peer.py --model models/whisper-tiny.en --device cuda clip.wav ...
"""
import argparse
import json
import math
import struct
import time
import wave

import torch
import torch.nn.functional as F

SAMPLE_RATE, N_FFT, HOP, WINDOW_FRAMES = 16000, 400, 160, 3000
DTYPES = {0: (torch.float32, 4), 1: (torch.int8, 1), 2: (torch.int16, 2), 3: (torch.int32, 4),
          4: (torch.float16, 2), 5: (torch.bfloat16, 2)}


def read_model_bin(path):
    """The variables of a CTranslate2 model.bin (binary version 4 to 6), by name, as float32."""
    data = open(path, "rb").read()
    offset = 0

    def take(fmt):
        nonlocal offset
        values = struct.unpack_from("<" + fmt, data, offset)
        offset += struct.calcsize("<" + fmt)
        return values

    def string():
        nonlocal offset
        (length,) = take("H")
        text = data[offset:offset + length - 1].decode()
        offset += length
        return text

    (version,) = take("I")
    if not 4 <= version <= 6:
        raise SystemExit(f"{path}: binary version {version} is not supported here")
    string()
    take("I")
    (count,) = take("I")
    variables = {}
    for _ in range(count):
        name = string()
        (rank,) = take("B")
        shape = take("I" * rank)
        type_id, byte_count = take("BI")
        dtype, _ = DTYPES[type_id]
        raw = torch.frombuffer(bytearray(data[offset:offset + byte_count]), dtype=dtype)
        offset += byte_count
        variables[name] = raw.reshape(shape).float() if shape else raw.float()
    (aliases,) = take("I")
    for _ in range(aliases):
        alias, target = string(), string()
        variables[alias] = variables[target]
    return variables


def slaney_mel_filters(n_mels):
    """librosa.filters.mel(sr=16000, n_fft=400, n_mels, norm="slaney", htk=False)."""
    f_sp, min_log_hz, min_log_mel, log_step = 200.0 / 3, 1000.0, 15.0, math.log(6.4) / 27.0

    def hz_to_mel(f):
        return min_log_mel + math.log(f / min_log_hz) / log_step if f >= min_log_hz else f / f_sp

    def mel_to_hz(m):
        return min_log_hz * math.exp(log_step * (m - min_log_mel)) if m >= min_log_mel else f_sp * m

    top = hz_to_mel(SAMPLE_RATE / 2)
    mel_f = torch.tensor([mel_to_hz(top * i / (n_mels + 1)) for i in range(n_mels + 2)], dtype=torch.float64)
    fft_f = torch.linspace(0, SAMPLE_RATE / 2, N_FFT // 2 + 1, dtype=torch.float64)
    differences = mel_f[1:] - mel_f[:-1]
    ramps = mel_f[:, None] - fft_f[None, :]
    lower = -ramps[:-2] / differences[:-1, None]
    upper = ramps[2:] / differences[1:, None]
    weights = torch.clamp(torch.minimum(lower, upper), min=0)
    weights *= (2.0 / (mel_f[2:] - mel_f[:-2]))[:, None]
    return weights.float()


def read_wav(path):
    with wave.open(path, "rb") as w:
        if w.getframerate() != SAMPLE_RATE or w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise SystemExit(f"{path}: the peer reads 16 kHz mono 16-bit WAV only")
        frames = w.readframes(w.getnframes())
    return torch.frombuffer(bytearray(frames), dtype=torch.int16).float() / 32768.0


def log_mel(audio, filters, device):
    """Whisper's features for the audio plus 30 s of silence, [mels, frames]."""
    audio = F.pad(audio.to(device), (0, SAMPLE_RATE * 30))
    window = torch.hann_window(N_FFT, device=device)
    spectrum = torch.stft(audio, N_FFT, HOP, window=window, return_complex=True)
    power = spectrum[..., :-1].abs() ** 2
    mel = filters.to(device) @ power
    logs = torch.clamp(mel, min=1e-10).log10()
    logs = torch.maximum(logs, logs.max() - 8.0)
    return (logs + 4.0) / 4.0


class Whisper:
    def __init__(self, variables, config, device):
        self.v = {name: tensor.to(device) for name, tensor in variables.items()}
        self.device = device
        self.encoder_layers = sum(1 for n in variables if n.startswith("encoder/layer_") and n.endswith("ffn/linear_1/weight"))
        self.decoder_layers = sum(1 for n in variables if n.startswith("decoder/layer_") and n.endswith("ffn/linear_1/weight"))
        self.width = self.v["decoder/embeddings/weight"].shape[1]
        self.heads = config["heads"]

    def linear(self, x, prefix):
        return F.linear(x, self.v[prefix + "/weight"], self.v.get(prefix + "/bias"))

    def norm(self, x, prefix):
        return F.layer_norm(x, (x.shape[-1],), self.v[prefix + "/gamma"], self.v[prefix + "/beta"], 1e-5)

    def split_heads(self, x):
        return x.view(x.shape[0], self.heads, -1).transpose(0, 1)

    def attend(self, q, k, v, causal_offset=None):
        q, k, v = self.split_heads(q), self.split_heads(k), self.split_heads(v)
        mask = None
        if causal_offset is not None and q.shape[1] > 1:
            positions = torch.arange(q.shape[1], device=self.device)[:, None] + causal_offset
            mask = torch.arange(k.shape[1], device=self.device)[None, :] <= positions
        out = F.scaled_dot_product_attention(q.unsqueeze(0), k.unsqueeze(0), v.unsqueeze(0), attn_mask=mask)
        return out.squeeze(0).transpose(0, 1).reshape(q.shape[1], self.width)

    def feed_forward(self, x, prefix):
        return x + self.linear(F.gelu(self.linear(self.norm(x, prefix + "/layer_norm"), prefix + "/linear_0")), prefix + "/linear_1")

    def encode(self, features):
        x = F.gelu(F.conv1d(features[None], self.v["encoder/conv1/weight"], self.v["encoder/conv1/bias"], padding=1))
        x = F.gelu(F.conv1d(x, self.v["encoder/conv2/weight"], self.v["encoder/conv2/bias"], stride=2, padding=1))
        x = x[0].T + self.v["encoder/position_encodings/encodings"]
        for i in range(self.encoder_layers):
            p = f"encoder/layer_{i}"
            q, k, v = self.linear(self.norm(x, p + "/self_attention/layer_norm"), p + "/self_attention/linear_0").chunk(3, dim=-1)
            x = x + self.linear(self.attend(q, k, v), p + "/self_attention/linear_1")
            x = self.feed_forward(x, p + "/ffn")
        x = self.norm(x, "encoder/layer_norm")
        cross = []
        for i in range(self.decoder_layers):
            k, v = self.linear(x, f"decoder/layer_{i}/attention/linear_1").chunk(2, dim=-1)
            cross.append((k, v))
        return cross

    def decode_step(self, tokens, start, cache, cross):
        """Feeds `tokens` at positions start…; returns the last position's logits."""
        x = self.v["decoder/embeddings/weight"][tokens] + self.v["decoder/position_encodings/encodings"][start:start + len(tokens)]
        for i in range(self.decoder_layers):
            p = f"decoder/layer_{i}"
            q, k, v = self.linear(self.norm(x, p + "/self_attention/layer_norm"), p + "/self_attention/linear_0").chunk(3, dim=-1)
            keys, values = cache[i]
            keys[start:start + len(tokens)] = k
            values[start:start + len(tokens)] = v
            end = start + len(tokens)
            x = x + self.linear(self.attend(q, keys[:end], values[:end], causal_offset=start), p + "/self_attention/linear_1")
            q = self.linear(self.norm(x, p + "/attention/layer_norm"), p + "/attention/linear_0")
            x = x + self.linear(self.attend(q, *cross[i]), p + "/attention/linear_2")
            x = self.feed_forward(x, p + "/ffn")
        last = self.norm(x[-1:], "decoder/layer_norm")
        return (last @ self.v["decoder/embeddings/weight"].T)[0]


class Tokens:
    def __init__(self, tokenizer_path):
        tokenizer = json.load(open(tokenizer_path))
        self.vocabulary = {index: text for text, index in tokenizer["model"]["vocab"].items()}
        for added in tokenizer.get("added_tokens", []):
            self.vocabulary[added["id"]] = added["content"]
        ids = {text: index for index, text in self.vocabulary.items()}
        self.eot, self.sot = ids["<|endoftext|>"], ids["<|startoftranscript|>"]
        self.no_timestamps = ids["<|notimestamps|>"]
        # GPT-2's byte-level alphabet, reversed.
        printable = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
        characters, extra = list(printable), 0
        for byte in range(256):
            if byte not in printable:
                printable.append(byte)
                characters.append(256 + extra)
                extra += 1
        self.bytes = {chr(c): b for b, c in zip(printable, characters)}

    def text(self, tokens):
        data = bytes(self.bytes[c] for t in tokens if t < self.eot for c in self.vocabulary[t])
        return data.decode("utf-8", errors="replace")


def transcribe(model, tokens, config, filters, audio, max_tokens=224):
    features = log_mel(audio, filters, model.device)
    content_frames = features.shape[1] - WINDOW_FRAMES
    suppressed = torch.tensor(config["suppress_ids"], device=model.device)
    suppressed_at_begin = torch.tensor(config["suppress_ids_begin"], device=model.device)
    text, seek = [], 0
    positions = model.v["decoder/position_encodings/encodings"].shape[0]
    while seek < content_frames:
        window = features[:, seek:seek + WINDOW_FRAMES]
        cross = model.encode(window)
        cache = [(torch.empty(positions, model.width, device=model.device), torch.empty(positions, model.width, device=model.device))
                 for _ in range(model.decoder_layers)]
        prompt = [tokens.sot, tokens.no_timestamps]
        logits = model.decode_step(torch.tensor(prompt, device=model.device), 0, cache, cross)
        generated, length = [], len(prompt)
        while len(generated) < max_tokens:
            logits[suppressed] = -math.inf
            logits[tokens.eot + 1:] = -math.inf  # special and timestamp tokens
            if not generated:
                logits[suppressed_at_begin] = -math.inf
            token = int(logits.argmax())
            if token == tokens.eot:
                break
            generated.append(token)
            logits = model.decode_step(torch.tensor([token], device=model.device), length, cache, cross)
            length += 1
        text.append(tokens.text(generated))
        seek += WINDOW_FRAMES
    return "".join(text).strip()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--heads", type=int, default=6, help="attention heads (tiny: 6)")
    parser.add_argument("clips", nargs="+")
    arguments = parser.parse_args()
    device = torch.device(arguments.device)
    torch.backends.cuda.matmul.allow_tf32 = False  # float32 products, as Auris computes them
    config = json.load(open(f"{arguments.model}/config.json"))
    config["heads"] = arguments.heads
    variables = read_model_bin(f"{arguments.model}/model.bin")
    with torch.inference_mode():
        model = Whisper(variables, config, device)
        tokens = Tokens(f"{arguments.model}/tokenizer.json")
        filters = slaney_mel_filters(variables["encoder/conv1/weight"].shape[1])
        clips = [(path, read_wav(path)) for path in arguments.clips]
        transcribe(model, tokens, config, filters, clips[0][1])  # warm-up: kernels, cuBLAS heuristics
        if device.type == "cuda":
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
        results, total_audio, total_seconds = [], 0.0, 0.0
        for path, audio in clips:
            started = time.perf_counter()
            text = transcribe(model, tokens, config, filters, audio)
            if device.type == "cuda":
                torch.cuda.synchronize()
            seconds = time.perf_counter() - started
            duration = len(audio) / SAMPLE_RATE
            total_audio += duration
            total_seconds += seconds
            results.append({"clip": path, "seconds": seconds, "audio_seconds": duration, "text": text})
    summary = {"torch": torch.__version__, "device": str(device), "clips": results,
               "times_real_time": total_audio / total_seconds if total_seconds else None}
    if device.type == "cuda":
        summary["peak_allocated_bytes"] = torch.cuda.max_memory_allocated()
        summary["peak_reserved_bytes"] = torch.cuda.max_memory_reserved()
        summary["gpu"] = torch.cuda.get_device_name(device)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
