@testable import DeviceMemory
import PropertyBased
import Testing

/// The live-block table against `Dictionary` as the model, through growth and
/// backward-shift deletion.
@Suite("Address map")
struct AddressMapTests {
    @Test func matchesDictionary() async {
        // Few distinct, 512-aligned keys, so that inserts, overwrites and removals collide often.
        let steps = Gen.int(in: 1...400).array(of: 1...600)
        await propertyCheck(count: 100, input: steps) { codes in
            var map = AddressMap(capacityPowerOfTwo: 2)
            var model: [UInt: Int32] = [:]
            for (position, code) in codes.enumerated() {
                let key = UInt(code % 97 + 1) * 512
                if code % 3 == 0 {
                    #expect(map.remove(key) == model.removeValue(forKey: key))
                } else {
                    map.insert(Int32(position), for: key)
                    model[key] = Int32(position)
                }
                #expect(map.count == model.count)
            }
            for (key, value) in model { #expect(map.remove(key) == value) }
            #expect(map.count == 0)
        }
    }
}
