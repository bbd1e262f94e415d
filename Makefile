# The two commands a newcomer needs: `make run` and `make test`. See README.md.
export PATH := $(PATH):/opt/swift/usr/bin

# Tests run in release: the engine's numeric code is far too slow in a debug build. Every
# product is built with the same flags, so one build serves the tests, the CLI and the benches.
RELEASE := -c release -Xswiftc -enable-testing

.PHONY: run test bench build deps browser-deps model screenshots soak fuzz

deps:
	@scripts/install-deps.sh

browser-deps:
	@scripts/install-deps.sh --browser

model: deps
	@scripts/install-model.sh

build: deps
	swift build -c release --product auris

# The main job: the server on 127.0.0.1:8080, CPU engine, default model.
run: model build
	.build/release/auris serve

# Everything CI runs.
test: model browser-deps
	python3 scripts/check-layers.py
	swift build $(RELEASE) --build-tests
	scripts/cuda-compiler.sh >/dev/null
	AURIS_REQUIRE_MODEL=1 AURIS_REQUIRE_FFMPEG=1 AURIS_REQUIRE_NVRTC=1 AURIS_REQUIRE_POSTGRES=1 \
		AURIS_CUDA_LIBRARY_PATH=$$(scripts/cuda-compiler.sh) scripts/postgres.sh run swift test $(RELEASE) --skip-build
	swift build $(RELEASE) --product AllocatorBenchmarks
	swift build $(RELEASE) --product ServerBenchmarks
	swift build $(RELEASE) --product QueueBenchmarks
	swift build $(RELEASE) --product auris
	scripts/check-cli.sh .build/release/auris
	scripts/check-remote-admin.sh .build/release/auris
	scripts/check-restart.sh .build/release/auris
	python3 scripts/check-hostile.py .build/release/auris
	python3 scripts/check-faults.py .build/release/auris --kill-points 25
	python3 scripts/check-load.py .build/release/auris
	python3 scripts/soak.py .build/release/auris --jobs 60
	scripts/fuzz.sh --replay
	scripts/check-web-ui.sh
	$$(scripts/browser-venv.sh) scripts/check-live.py .build/release/auris
	python3 scripts/check-fleet.py .build/release/auris
	python3 Benchmarks/Whisper/check_memory_flat.py
	python3 Benchmarks/Whisper/check_unload.py

# Allocator and audio micro-benchmarks, clear_cache over HTTP, the shared queue's claims per
# second on a throwaway PostgreSQL, then Auris against faster-whisper
# and whisper.cpp on a real recording (models/real-speech, from PyPI) at 16 and 48 kHz.
bench: model
	swift build $(RELEASE) --product AllocatorBenchmarks
	swift build $(RELEASE) --product AudioBenchmarks
	swift build $(RELEASE) --product auris
	.build/release/AllocatorBenchmarks
	.build/release/AudioBenchmarks
	swift build $(RELEASE) --product ServerBenchmarks
	.build/release/ServerBenchmarks
	swift build $(RELEASE) --product QueueBenchmarks
	scripts/postgres.sh run .build/release/QueueBenchmarks
	scripts/real-speech.sh >/dev/null
	PEER_PYTHON=$$(scripts/golden/setup-venv.sh >/dev/null && echo .venv/golden/bin/python) \
		WHISPER_CPP_PYTHON=$$(Benchmarks/Whisper/setup-whispercpp.sh) python3 Benchmarks/Whisper/bench.py

# The soak (docs/reliability.md): JOBS jobs of mixed lengths and formats through the real server,
# with clears, unloads, policy changes and cancellations between them; make test runs 60.
JOBS ?= 1000
soak: model build
	python3 scripts/soak.py .build/release/auris --jobs $(JOBS)

# Every parser of untrusted bytes under libFuzzer, FUZZ_SECONDS each (docs/reliability.md);
# make test replays the seeds and every saved finding without the fuzzer; the fuzzing itself is
# here only (its sanitizer build alone takes 3.5 minutes of make test's 25).
FUZZ_SECONDS ?= 60
fuzz: model
	scripts/fuzz.sh $(FUZZ_SECONDS)

# Screenshots of every web page at desktop and phone widths, into docs/screenshots/.
screenshots: model browser-deps
	swift build $(RELEASE) --product auris
	$$(scripts/browser-venv.sh) scripts/screenshots.py

