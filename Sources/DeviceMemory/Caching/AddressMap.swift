/// Live blocks by address: an open-addressing hash table with linear probing.
///
/// Note [Why not Dictionary]: `Dictionary` hashes with seeded SipHash, which is built to resist
/// hash flooding from untrusted keys. Block addresses come from our own device, never from a
/// user, so a multiplicative hash is safe here and several times cheaper on the allocate/free
/// path. Deletion shifts later entries back instead of leaving tombstones, so lookups stay short
/// however long the service runs.
struct AddressMap {
    private var keys: [UInt]       // 0 marks an empty slot; device addresses are never 0
    private var values: [Int32]
    private var shift: Int
    private(set) var count = 0

    init(capacityPowerOfTwo: Int = 10) {
        keys = Array(repeating: 0, count: 1 << capacityPowerOfTwo)
        values = Array(repeating: 0, count: 1 << capacityPowerOfTwo)
        shift = 64 - capacityPowerOfTwo
    }

    @inline(__always)
    private func home(_ key: UInt) -> Int {
        Int(truncatingIfNeeded: (UInt64(key) &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift))
    }

    mutating func insert(_ value: Int32, for key: UInt) {
        precondition(key != 0, "address 0 cannot be tracked")
        if (count + 1) * 2 > keys.count { grow() }
        let mask = keys.count - 1
        var slot = home(key)
        while keys[slot] != 0 && keys[slot] != key { slot = (slot + 1) & mask }
        if keys[slot] == 0 { count += 1 }
        keys[slot] = key
        values[slot] = value
    }

    /// Removes and returns the value for `key`, or nil when it is not present.
    mutating func remove(_ key: UInt) -> Int32? {
        guard key != 0 else { return nil }
        let mask = keys.count - 1
        var slot = home(key)
        while keys[slot] != key {
            if keys[slot] == 0 { return nil }
            slot = (slot + 1) & mask
        }
        let value = values[slot]
        // Backward-shift deletion: pull later members of the probe run into the hole.
        var hole = slot
        var next = (hole + 1) & mask
        while keys[next] != 0 {
            let wanted = home(keys[next])
            let distanceToNext = (next - wanted) & mask
            let distanceToHole = (hole - wanted) & mask
            if distanceToHole <= distanceToNext {
                keys[hole] = keys[next]
                values[hole] = values[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        keys[hole] = 0
        count -= 1
        return value
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        let power = 64 - shift + 1
        keys = Array(repeating: 0, count: 1 << power)
        values = Array(repeating: 0, count: 1 << power)
        shift = 64 - power
        count = 0
        for (key, value) in zip(oldKeys, oldValues) where key != 0 { insert(value, for: key) }
    }
}
