// Allocator benchmarks: `make bench` (or `swift run -c release AllocatorBenchmarks [--trace FILE]`).
let arguments = CommandLine.arguments
let traceFile = arguments.firstIndex(of: "--trace").flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }

try AllocateFreeBenchmark.run()
try EmptyCacheBenchmark.run()
try TraceReplayBenchmark.run(traceFile: traceFile)
