import DeviceMemory
import Synchronization

/// One caching allocator per device of this machine: the host always, and each CUDA device
/// that discovery finds.
///
/// Note [Lazy GPU allocators]: a CUDA allocator retains the device's primary context, which by
/// itself costs hundreds of MiB of device memory. On a shared GPU server that is memory taken
/// from other people, so an allocator is created only when something first allocates on, or
/// explicitly opens, that device; reports show the others without touching them.
public final class DeviceAllocators: Sendable {
    public let configuration: AllocatorConfiguration
    public let inventory: DeviceInventory
    private let hostCapacityBytes: Int?
    /// The out-of-memory test hook, given to every allocator; nil = off.
    public let faults: OutOfMemoryFaults?
    private let opened: Mutex<[DeviceID: CachingAllocator]>

    /// - Parameters:
    ///   - configuration: applied to every allocator (typically from `AURIS_ALLOC_CONF`).
    ///   - hostCapacityBytes: caps the host device, to emulate a device of that size.
    ///   - inventory: the CUDA devices; discovery's by default.
    ///   - faults: fails a share of every device's allocations on purpose, for tests
    ///     (`AURIS_FAULT_OOM`; Note [Failing on purpose]).
    public init(configuration: AllocatorConfiguration, hostCapacityBytes: Int? = nil,
                inventory: DeviceInventory = DeviceDiscovery.discover(), faults: OutOfMemoryFaults? = nil) throws(DeviceMemoryError) {
        self.configuration = try configuration.validated()
        self.hostCapacityBytes = hostCapacityBytes
        self.inventory = inventory
        self.faults = faults
        let host = try CachingAllocator(backend: HostMemory(capacityBytes: hostCapacityBytes), configuration: configuration, faults: faults)
        self.opened = Mutex([.cpu: host])
    }

    /// Every device: the host first, then CUDA devices in ordinal order.
    public var devices: [DeviceID] { [.cpu] + inventory.cuda.map(\.id) }

    /// The allocator of `device`, opening the device on first use.
    public func allocator(for device: DeviceID) throws(DeviceMemoryError) -> CachingAllocator {
        if let existing = opened.withLock({ $0[device] }) { return existing }
        guard devices.contains(device) else {
            let known = devices.map(\.description).joined(separator: ", ")
            let reason = inventory.cudaUnavailableReason.map { " (\($0))" } ?? ""
            throw DeviceMemoryError(.invalidDevice, "device \(device) does not exist here; available: \(known)\(reason)")
        }
        // Opening a context can take a while; do it outside the lock, then keep the first one.
        let allocator = try CachingAllocator(backend: try DeviceDiscovery.makeBackend(for: device), configuration: configuration,
                                             faults: faults)
        return opened.withLock { opened in
            if let winner = opened[device] { return winner }
            opened[device] = allocator
            return allocator
        }
    }

    /// The allocator of `device` if it has been opened, without opening it.
    public func openedAllocator(for device: DeviceID) -> CachingAllocator? {
        opened.withLock { $0[device] }
    }
}
