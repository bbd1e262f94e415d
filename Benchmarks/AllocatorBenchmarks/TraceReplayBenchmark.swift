import DeviceMemory
import Foundation

/// Replays an allocation trace and reports peak reserved ÷ peak allocated: how much memory the
/// cache costs beyond what tensors need (1.0 would be perfect packing), for several allocator
/// configurations on the same trace.
///
/// The trace is either the events of a saved snapshot (`--trace FILE`, the JSON of
/// `GET /api/system/memory/snapshot` or `CachingAllocator.snapshot()`), or a synthetic one
/// shaped like Whisper inference: resident weights, then windows of encoder activations and a
/// decoder whose key/value cache grows token by token.
enum TraceReplayBenchmark {
    enum Step { case allocate(id: Int, bytes: Int), free(id: Int) }

    static func run(traceFile: String?) throws {
        let (name, trace) = try traceFile.map { ("snapshot \($0)", try load($0)) } ?? ("synthetic Whisper-like", synthetic())
        print("Trace replay: \(name), \(trace.count) steps — peak reserved ÷ peak allocated")
        let widths = [44, 16, 16, 8, 10]
        print(row(["configuration", "peak allocated", "peak reserved", "ratio", "retries"], widths: widths))
        for (label, configuration) in [
            ("default (PyTorch rules)", AllocatorConfiguration(historyCapacity: 0)),
            ("max_split_size_mb:64", AllocatorConfiguration(maxSplitSize: 64 << 20, historyCapacity: 0)),
            ("max_split_size_mb:32", AllocatorConfiguration(maxSplitSize: 32 << 20, historyCapacity: 0)),
        ] {
            let allocator = try CachingAllocator(backend: HostMemory(), configuration: configuration)
            var live: [Int: DeviceAllocation] = [:]
            for step in trace {
                switch step {
                case .allocate(let id, let bytes): live[id] = try allocator.allocate(byteCount: bytes)
                case .free(let id): if let allocation = live.removeValue(forKey: id) { try allocator.free(allocation) }
                }
            }
            let stats = allocator.stats()
            let allocated = stats.allocatedBytes.all.peak, reserved = stats.reservedBytes.all.peak
            print(row([label, "\(ByteCount(allocated))", "\(ByteCount(reserved))",
                       format(Double(reserved) / Double(max(allocated, 1)), decimals: 3), "\(stats.numAllocRetries)"], widths: widths))
        }
        print("")
    }

    /// Alloc and free events of a snapshot, matched by address.
    static func load(_ path: String) throws -> [Step] {
        let snapshot = try JSONDecoder().decode(MemorySnapshot.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        var idByAddress: [UInt: Int] = [:], steps: [Step] = [], nextID = 0
        for event in snapshot.events {
            switch event.action {
            case .alloc:
                idByAddress[event.address] = nextID
                steps.append(.allocate(id: nextID, bytes: event.size))
                nextID += 1
            case .free:
                if let id = idByAddress.removeValue(forKey: event.address) { steps.append(.free(id: id)) }
            default: break
            }
        }
        return steps
    }

    /// Whisper-base-like shapes (d_model 512, 1500 encoder frames, 448 decoder tokens), over
    /// twelve 30-second windows.
    static func synthetic() -> [Step] {
        var steps: [Step] = [], nextID = 0
        func allocate(_ bytes: Int) -> Int {
            steps.append(.allocate(id: nextID, bytes: bytes))
            nextID += 1
            return nextID - 1
        }
        let model = 512, frames = 1500, float = 4
        for layer in 0..<12 { _ = allocate((layer % 3 + 1) * model * model * float) }  // resident weights
        for window in 0..<12 {
            let mel = allocate(80 * 3000 * float)
            var hidden = allocate(frames * model * float)
            for _ in 0..<6 {  // encoder layers: attention scores and MLP activations come and go
                let scores = allocate(8 * frames * frames * float / 4)
                let mlp = allocate(frames * 4 * model * float)
                let next = allocate(frames * model * float)
                steps += [.free(id: scores), .free(id: mlp), .free(id: hidden)]
                hidden = next
            }
            steps.append(.free(id: mel))
            var cache: [Int] = []
            let tokens = 60 + (window * 37) % 180
            for token in 1...tokens {  // decoder: the key/value cache grows a token at a time
                if token % 32 == 1 {
                    let grown = allocate((token + 32) * model * float * 2 * 6)
                    steps += cache.map { .free(id: $0) }
                    cache = [grown]
                }
                let logits = allocate(51_865 * float)
                steps.append(.free(id: logits))
            }
            steps += cache.map { .free(id: $0) } + [.free(id: hidden)]
        }
        return steps
    }
}
