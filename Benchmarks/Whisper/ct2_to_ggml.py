#!/usr/bin/env python3
"""Converts a CTranslate2 Whisper model directory (model.bin, vocabulary.txt) into a whisper.cpp
ggml file, so that the benchmark's whisper.cpp peer runs the very weights Auris and
faster-whisper run. Mirrors whisper.cpp's models/convert-pt-to-ggml.py (header, mel filters,
vocabulary, then tensors under the openai-whisper names) and the shapes whisper_model_load
expects. Needs only numpy. Writes f16 only: the whisper.cpp in pywhispercpp 1.5.1 (1.8.5) aborts in
im2col on an all-f32 model, and CTranslate2's float16 weights lose nothing in f16.

    python ct2_to_ggml.py [--model models/whisper-tiny.en] [--output models/ggml-tiny.en.bin]
"""
import argparse
import os
import struct

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# CTranslate2 data-type ids (ModelDataType.swift); integer scalars are configuration, not weights.
DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}


def read_ct2(path):
    """Name → numpy array for every variable and alias of a CTranslate2 model.bin (version ≥ 4,
    layout in Sources/Whisper/ModelFormat/ModelFile.swift)."""
    data = memoryview(open(path, "rb").read())
    offset = 0

    def take(fmt):
        nonlocal offset
        values = struct.unpack_from("<" + fmt, data, offset)
        offset += struct.calcsize("<" + fmt)
        return values[0] if len(values) == 1 else values

    def string():
        nonlocal offset
        length = take("H")  # counts the terminating NUL
        text = bytes(data[offset:offset + length - 1]).decode()
        offset += length
        return text

    version = take("I")
    if not 4 <= version <= 6:
        raise SystemExit(f"{path}: binary version {version}; this converter reads 4…6")
    string(), take("I")  # spec name and revision
    variables = {}
    for _ in range(take("I")):
        name = string()
        shape = [take("I") for _ in range(take("B"))]
        dtype, size = DTYPES[take("B")], take("I")
        variables[name] = np.frombuffer(data[offset:offset + size], dtype=dtype).reshape(shape)
        offset += size
    for _ in range(take("I")):
        alias, target = string(), string()
        variables[alias] = variables[target]
    return variables


def slaney_filters(n_mels=80, sample_rate=16000, n_fft=400):
    """librosa.filters.mel(sr=16000, n_fft=400, n_mels, htk=False, norm="slaney"), the filters
    openai-whisper ships in mel_filters.npz (and MelFilterbank.swift's slaneyFilters)."""
    fft_frequencies = np.arange(n_fft // 2 + 1) * sample_rate / n_fft
    linear_step, log_start = 200.0 / 3, 1000.0
    log_start_mel, log_step = log_start / linear_step, np.log(6.4) / 27.0
    max_mel = log_start_mel + np.log(sample_rate / 2 / log_start) / log_step
    mels = np.linspace(0, max_mel, n_mels + 2)
    hz = np.where(mels >= log_start_mel, log_start * np.exp(log_step * (mels - log_start_mel)), linear_step * mels)
    lower = (fft_frequencies[None, :] - hz[:-2, None]) / np.diff(hz)[:-1, None]
    upper = (hz[2:, None] - fft_frequencies[None, :]) / np.diff(hz)[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper)) * (2.0 / (hz[2:] - hz[:-2]))[:, None]
    return weights.astype(np.float32)


def byte_decoder():
    """Inverse of GPT-2's bytes_to_unicode: the printable character standing for each byte."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    characters, extra = {}, 0
    for byte in range(256):
        if byte in printable:
            characters[chr(byte)] = byte
        else:
            characters[chr(256 + extra)] = byte
            extra += 1
    return characters


def ggml_tensors(v, n_audio_layer, n_text_layer, width):
    """(openai-whisper name, array) in whisper.cpp's naming. CTranslate2 fuses q/k/v (self-attention)
    and k/v (cross-attention) into one linear; Whisper's key projection has no bias, and CTranslate2's
    fused bias holds zeros there, which whisper.cpp has no tensor for."""
    def linear(ct2, name):
        yield f"{name}.weight", v[f"{ct2}/weight"]
        yield f"{name}.bias", v[f"{ct2}/bias"]

    def norm(ct2, name):
        yield f"{name}.weight", v[f"{ct2}/gamma"]
        yield f"{name}.bias", v[f"{ct2}/beta"]

    def split(ct2, name, parts):
        weight, bias = v[f"{ct2}/weight"], v[f"{ct2}/bias"]
        for index, part in enumerate(parts):
            rows = slice(index * width, (index + 1) * width)
            yield f"{name}.{part}.weight", weight[rows]
            if part == "key":
                assert not np.any(bias[rows]), f"{ct2}: non-zero key bias, which whisper.cpp cannot hold"
            else:
                yield f"{name}.{part}.bias", bias[rows]

    def ffn(ct2, name):
        yield from norm(f"{ct2}/ffn/layer_norm", f"{name}.mlp_ln")
        yield from linear(f"{ct2}/ffn/linear_0", f"{name}.mlp.0")
        yield from linear(f"{ct2}/ffn/linear_1", f"{name}.mlp.2")

    yield "encoder.positional_embedding", v["encoder/position_encodings/encodings"]
    for conv in ("conv1", "conv2"):
        yield f"encoder.{conv}.weight", v[f"encoder/{conv}/weight"]  # [out, in, kernel], as in PyTorch
        yield f"encoder.{conv}.bias", v[f"encoder/{conv}/bias"].reshape(-1, 1)  # whisper.cpp wants [n, 1]
    for i in range(n_audio_layer):
        ct2, name = f"encoder/layer_{i}", f"encoder.blocks.{i}"
        yield from norm(f"{ct2}/self_attention/layer_norm", f"{name}.attn_ln")
        yield from split(f"{ct2}/self_attention/linear_0", f"{name}.attn", ("query", "key", "value"))
        yield from linear(f"{ct2}/self_attention/linear_1", f"{name}.attn.out")
        yield from ffn(ct2, name)
    yield from norm("encoder/layer_norm", "encoder.ln_post")

    yield "decoder.positional_embedding", v["decoder/position_encodings/encodings"]
    yield "decoder.token_embedding.weight", v["decoder/embeddings/weight"]  # also the output projection
    for i in range(n_text_layer):
        ct2, name = f"decoder/layer_{i}", f"decoder.blocks.{i}"
        yield from norm(f"{ct2}/self_attention/layer_norm", f"{name}.attn_ln")
        yield from split(f"{ct2}/self_attention/linear_0", f"{name}.attn", ("query", "key", "value"))
        yield from linear(f"{ct2}/self_attention/linear_1", f"{name}.attn.out")
        yield from norm(f"{ct2}/attention/layer_norm", f"{name}.cross_attn_ln")
        yield from linear(f"{ct2}/attention/linear_0", f"{name}.cross_attn.query")
        yield from split(f"{ct2}/attention/linear_1", f"{name}.cross_attn", ("key", "value"))
        yield from linear(f"{ct2}/attention/linear_2", f"{name}.cross_attn.out")
        yield from ffn(ct2, name)
    yield from norm("decoder/layer_norm", "decoder.ln")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=os.path.join(ROOT, "models", "whisper-tiny.en"))
    parser.add_argument("--output", default=os.path.join(ROOT, "models", "ggml-tiny.en.bin"))
    arguments = parser.parse_args()

    v = read_ct2(os.path.join(arguments.model, "model.bin"))
    n_vocab, width = v["decoder/embeddings/weight"].shape
    n_audio_ctx, n_text_ctx = len(v["encoder/position_encodings/encodings"]), len(v["decoder/position_encodings/encodings"])
    n_mels = v["encoder/conv1/weight"].shape[1]
    n_audio_layer = sum(1 for name in v if name.startswith("encoder/layer_") and name.endswith("/ffn/linear_0/weight"))
    n_text_layer = sum(1 for name in v if name.startswith("decoder/layer_") and name.endswith("/ffn/linear_0/weight"))
    n_audio_head, n_text_head = int(v["encoder/num_heads"]), int(v["decoder/num_heads"])
    hparams = [n_vocab, n_audio_ctx, width, n_audio_head, n_audio_layer, n_text_ctx, width, n_text_head, n_text_layer, n_mels, 1]

    # whisper.cpp takes the plain byte-level BPE tokens (gpt2.tiktoken / multilingual.tiktoken,
    # which stop before <|endoftext|>) and names the special tokens after them itself.
    with open(os.path.join(arguments.model, "vocabulary.txt"), encoding="utf-8") as file:
        vocabulary = file.read().split("\n")
    decoder = byte_decoder()
    tokens = [bytes(decoder[c] for c in token) for token in vocabulary[:vocabulary.index("<|endoftext|>")]]

    filters = slaney_filters(n_mels)
    tensor_count = 0
    with open(arguments.output, "wb") as out:
        out.write(struct.pack("<12i", 0x67676D6C, *hparams))  # "ggml" magic, then hparams (ftype 1: f16 matrices)
        out.write(struct.pack("<2i", *filters.shape))
        out.write(filters.tobytes())
        out.write(struct.pack("<i", len(tokens)))
        for token in tokens:
            out.write(struct.pack("<i", len(token)) + token)
        for name, array in ggml_tensors(v, n_audio_layer, n_text_layer, width):
            # As convert-pt-to-ggml.py: vectors, conv biases and positional encodings in f32,
            # every matrix in f16 (the ftype whisper.cpp then reads them with).
            small = array.ndim < 2 or name.endswith(("conv1.bias", "conv2.bias", "positional_embedding"))
            array = np.ascontiguousarray(array, dtype=np.float32 if small else np.float16)
            encoded = name.encode()
            # Dimensions innermost first (ggml's ne[0] is the last numpy axis).
            out.write(struct.pack(f"<3i{array.ndim}i", array.ndim, len(encoded), 0 if small else 1, *array.shape[::-1]))
            out.write(encoded)
            out.write(array.tobytes())
            tensor_count += 1
    print(f"{arguments.output}: hparams {hparams}, {len(tokens)} tokens, {tensor_count} tensors, "
          f"{os.path.getsize(arguments.output) / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
