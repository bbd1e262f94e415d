# The two commands a newcomer needs: `make run` and `make test`. See README.md.
export PATH := $(PATH):/opt/swift/usr/bin

.PHONY: run test bench build deps

deps:
	@scripts/install-deps.sh

build: deps
	swift build -c release --product auris

# The main job. Until the server exists: the device and allocator report.
run: build
	.build/release/auris memory

# Everything CI runs.
test: deps
	swift build --build-tests
	swift test --skip-build
	swift build -c release --product AllocatorBenchmarks
	swift build -c release --product auris
	scripts/check-cli.sh .build/release/auris

bench: deps
	swift run -c release AllocatorBenchmarks
