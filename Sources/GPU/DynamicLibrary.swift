#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DeviceMemory

/// A shared library opened at run time with `dlopen`, so that nothing vendor-specific (CUDA, NVML)
/// has to exist when the project is built or when it runs on a machine without a GPU.
///
/// The library is never closed: function pointers resolved from it are cached for the life of the
/// process, and `dlclose` would leave them dangling. Keeping one handle open is what every CUDA
/// loader does, and the driver libraries are loaded at most once per process anyway.
public struct DynamicLibrary: @unchecked Sendable {
    // @unchecked: the handle is an opaque token that is never mutated or freed, and `dlsym` is
    // thread-safe, so sharing it across tasks is safe although raw pointers are not `Sendable`.
    private let handle: UnsafeMutableRawPointer

    /// The candidate name or path that `dlopen` accepted.
    public let loadedName: String

    /// Why no candidate could be opened.
    public struct LoadFailure: Error, Sendable, Equatable, CustomStringConvertible {
        /// Every candidate, in the order tried.
        public let triedNames: [String]
        /// The `dlerror()` text for each candidate, in the same order.
        public let reasons: [String]

        /// True when every candidate failed simply because no such file exists (as opposed to,
        /// say, a library of the wrong architecture or one whose own dependencies are missing).
        ///
        /// glibc words a missing file as "NAME: cannot open shared object file: No such file or
        /// directory"; a missing *dependency* reads the same but names the dependency, so the
        /// message must start with the candidate's own name to count.
        public var allNotFound: Bool {
            zip(triedNames, reasons).allSatisfy { name, reason in
                reason.isEmpty || (reason.hasPrefix(name) && reason.contains("No such file"))
            }
        }

        public var description: String {
            "could not load any of \(triedNames.joined(separator: ", ")): "
                + reasons.joined(separator: "; ")
        }
    }

    private init(handle: UnsafeMutableRawPointer, loadedName: String) {
        self.handle = handle
        self.loadedName = loadedName
    }

    /// Opens the first of `candidates` that loads, trying them in order.
    ///
    /// Uses `RTLD_NOW` so that a library with unresolvable symbols fails here, with a message,
    /// rather than crashing at the first call; and `RTLD_LOCAL` so that its symbols cannot
    /// interpose on other libraries in the process.
    public static func open(candidates: [String]) -> Result<DynamicLibrary, LoadFailure> {
        var reasons: [String] = []
        for name in candidates {
            // Clear any stale error so the message below belongs to this attempt.
            _ = dlerror()
            if let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) {
                return .success(DynamicLibrary(handle: handle, loadedName: name))
            }
            reasons.append(dlerror().map { String(cString: $0) } ?? "")
        }
        return .failure(LoadFailure(triedNames: candidates, reasons: reasons))
    }

    /// Looks up `name` and reinterprets it as the C function type `type`, or returns `nil` when
    /// the library does not export it (for instance a newer versioned entry point on an older
    /// driver).
    ///
    /// `type` must be a `@convention(c)` function type whose signature matches the C declaration
    /// exactly; nothing can check this at run time, which is why every signature in this module
    /// is written next to the C prototype it mirrors.
    public func symbol<T>(_ name: String, as type: T.Type) -> T? {
        precondition(
            MemoryLayout<T>.size == MemoryLayout<UnsafeMutableRawPointer>.size,
            "\(T.self) is not a C function pointer type"
        )
        guard let address = dlsym(handle, name) else { return nil }
        return unsafeBitCast(address, to: T.self)
    }

    /// Like ``symbol(_:as:)``, but a missing symbol is `.unavailable`, naming the library, the
    /// symbol and `hint` (the likely reason, in the user's words).
    public func require<T>(_ name: String, as type: T.Type = T.self, hint: String) throws(DeviceMemoryError) -> T {
        guard let function = symbol(name, as: type) else {
            throw DeviceMemoryError(.unavailable, "\(loadedName) does not export \(name) (\(hint))")
        }
        return function
    }
}
