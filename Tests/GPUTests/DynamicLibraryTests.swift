import Testing
import GPU

@Suite("Dynamic library loading")
struct DynamicLibraryTests {
    @Test("a library that does not exist reports every name tried")
    func missingLibrary() {
        let names = ["libauris-no-such-library.so.1", "/nonexistent/libauris-no-such-library.so"]
        switch DynamicLibrary.open(candidates: names) {
        case .success(let library):
            Issue.record("unexpectedly loaded \(library.loadedName)")
        case .failure(let failure):
            #expect(failure.triedNames == names)
            #expect(failure.reasons.count == names.count)
            #expect(failure.allNotFound)
            #expect(failure.description.contains(names[0]))
            #expect(failure.description.contains(names[1]))
        }
    }

    #if os(Linux)
    @Test("symbols resolve to callable C functions, and missing ones to nil")
    func resolvesSymbols() throws {
        let library = try DynamicLibrary.open(candidates: ["libc.so.6"]).get()
        #expect(library.loadedName == "libc.so.6")
        typealias Strlen = @convention(c) (UnsafePointer<CChar>?) -> Int
        let strlen = try #require(library.symbol("strlen", as: Strlen.self))
        #expect("hello".withCString { strlen($0) } == 5)
        #expect(library.symbol("auris_no_such_symbol", as: Strlen.self) == nil)
    }
    #endif
}
