import DeviceMemory
import Testing

/// The C heap settings of Note [A C heap that does not creep]; `make test`'s 100-job soak
/// (scripts/soak.py) checks what they are for, the process's RSS staying flat.
@Suite("C heap")
struct CHeapTests {
    #if canImport(Glibc)
    @Test func glibcTakesBothSettings() {
        // mallopt answers 0 for a parameter number it does not know or a value it refuses.
        #expect(CHeap.configureForLongRunningProcess())
    }
    #endif
}
