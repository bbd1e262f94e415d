import DeviceMemory
import Foundation
import Synchronization

/// Automatic memory care: runs the janitor between jobs and on a timer, carries out what it
/// decides (unload idle models, release cached memory, raise and withdraw warnings), and keeps
/// the operator's policies, persisted (a file, or the shared database) so that they survive restarts.
public final class MemoryCare: Sendable {
    /// What was done, for the audit log and the events.
    public struct ActionRecord: Sendable {
        public let action: JanitorAction
        /// The allocator's report, when memory was released.
        public let report: EmptyCacheReport?
        /// Every opened device's memory just before and just after the action.
        public let before: [DeviceUsage]
        public let after: [DeviceUsage]
        public let durationMilliseconds: Double
    }
    public typealias ActionLog = @Sendable (ActionRecord) async -> Void

    public let memory: MemoryControl
    private let janitor: Mutex<MemoryJanitor>
    private let runningJobs = Mutex<[DeviceID: Int]>([:])
    private let policyStore: (any PolicyStore)?
    private let now: @Sendable () -> Date
    private let log: ActionLog

    /// - Parameters:
    ///   - policyStore: where the policies are kept; read at start.
    ///   - initialPolicies: used when none have been saved yet.
    public init(memory: MemoryControl, policyStore: (any PolicyStore)?, initialPolicies: MemoryPolicies = .default,
                now: @escaping @Sendable () -> Date = Date.init, log: @escaping ActionLog) async throws {
        let policies = try await policyStore?.loadPolicies() ?? initialPolicies
        self.memory = memory
        self.janitor = Mutex(try MemoryJanitor(policies: policies, now: now()))
        self.policyStore = policyStore
        self.now = now
        self.log = log
        await applyKeepAlive(policies)
        // Policies changed on another worker sharing the database apply here too.
        policyStore?.watchPolicies { [weak self] policies in
            Task { try? await self?.install(policies) }
        }
    }

    public var policies: MemoryPolicies { janitor.withLock { $0.policies } }
    public var warnings: [JanitorWarning] { janitor.withLock { $0.activeWarnings } }

    /// Validates and installs new policies, then saves them.
    public func update(policies: MemoryPolicies) async throws {
        try await install(policies)
        try await policyStore?.savePolicies(self.policies)
    }

    /// Validates and installs policies, without saving them.
    private func install(_ policies: MemoryPolicies) async throws {
        let moment = now()
        try janitor.withLock { janitor throws(ServiceError) in try janitor.update(policies: policies, now: moment) }
        await applyKeepAlive(self.policies)
    }

    /// A manual clear counts as a cleanup for the policies (it restarts the every-N count).
    public func recordManualCleanup() {
        let moment = now()
        janitor.withLock { janitor in
            for device in memory.allocators.devices { janitor.recordCleanup(on: device, at: moment) }
        }
    }

    /// Marks a job as running on `device`; the janitor leaves a busy device alone.
    public func jobStarted(on device: DeviceID) {
        runningJobs.withLock { $0[device, default: 0] += 1 }
    }

    /// Marks the job as done and lets the janitor act between jobs.
    public func jobFinished(on device: DeviceID) async {
        runningJobs.withLock { $0[device, default: 1] -= 1 }
        await evaluate(.betweenJobs(device: device, jobsCompleted: 1))
    }

    /// The periodic check (schedule, idle unload, thresholds).
    public func tick() async {
        await evaluate(.timer)
    }

    func evaluate(_ trigger: JanitorTrigger) async {
        let busy = runningJobs.withLock { $0 }
        let samples = memory.allocators.devices.compactMap { device -> DeviceMemorySample? in
            guard let allocator = memory.allocators.openedAllocator(for: device) else { return nil }
            return DeviceMemorySample(device: device, usage: allocator.usage(), memory: allocator.deviceMemory(),
                                      isBusy: busy[device, default: 0] > 0)
        }
        var models: [ResidentModel] = []
        for registry in memory.registries { models += registry.residentModels() }
        let input = JanitorInput(now: now(), trigger: trigger, devices: samples, models: models)
        let actions = janitor.withLock { $0.evaluate(input) }
        for action in actions { await perform(action) }
    }

    /// Makes room after an out-of-memory error that releasing the cache did not cure: unloads
    /// the idle models of `device` other than `kept`, then releases the cache. Returns whether
    /// any model was unloaded, that is, whether trying again can succeed. Does nothing when the
    /// memory-pressure policy is off.
    public func relievePressure(on device: DeviceID, keeping kept: String?, after error: DeviceMemoryError) async -> Bool {
        guard policies.unloadIdleOnPressure else { return false }
        var idle: [(id: String, lastUsed: Date)] = []
        for registry in memory.registries where registry.device == device { idle += registry.idleModels(except: kept) }
        guard !idle.isEmpty else { return false }
        let names = idle.map { "'\($0.id)'" }.joined(separator: ", ")
        for model in idle {
            await perform(.unloadModel(id: model.id, device: device, policy: .memoryPressure,
                                       reason: "out of memory on \(device) with the cache released; model '\(model.id)' is idle"))
        }
        await perform(.emptyCache(device: device, policy: .memoryPressure,
                                  reason: "returning the memory of \(names) to \(device) after: \(error.message)"))
        return true
    }

    /// Unloads `models` on `device` and releases the cache, so that a job admitted by its
    /// prediction fits (Note [Admission by prediction]); audited as the memory-pressure policy.
    public func makeRoom(on device: DeviceID, unloading models: [String], reason: String) async {
        for model in models {
            await perform(.unloadModel(id: model, device: device, policy: .memoryPressure, reason: "\(reason); model '\(model)' is idle"))
        }
        await perform(.emptyCache(device: device, policy: .memoryPressure, reason: reason))
    }

    private func perform(_ action: JanitorAction) async {
        let before = memory.usage()
        let started = DispatchTime.now().uptimeNanoseconds
        var report: EmptyCacheReport?
        switch action {
        case .unloadModel(let id, let device, _, _):
            for registry in memory.registries where registry.device == device {
                _ = try? registry.unload(id)
            }
        case .emptyCache(let device, _, _):
            report = memory.allocators.openedAllocator(for: device)?.emptyCache()
        case .warn, .clearWarning:
            break
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
        await log(ActionRecord(action: action, report: report, before: before, after: memory.usage(),
                               durationMilliseconds: elapsed))
    }

    private func applyKeepAlive(_ policies: MemoryPolicies) async {
        for registry in memory.registries {
            registry.setDefaultKeepAlive(policies.idleUnloadSeconds.map(KeepAlive.seconds) ?? .forever)
        }
    }
}
