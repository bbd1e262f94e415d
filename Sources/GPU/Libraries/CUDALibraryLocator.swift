#if canImport(Glibc)
import Glibc
#endif
import DeviceMemory

/// Where the CUDA libraries that are not part of the driver (NVRTC, cuBLAS) may be.
///
/// Note [CUDA libraries at run time]: Auris needs nothing CUDA to build, and a machine with a
/// GPU rarely has the toolkit installed system-wide; it usually has PyTorch, whose wheels bring
/// the same libraries as pip `nvidia-*` packages. So a library is tried, in order:
/// 1. in each folder of `AURIS_CUDA_LIBRARY_PATH` (colon-separated), if set;
/// 2. by its soname, which finds system installs (ld.so.conf, LD_LIBRARY_PATH);
/// 3. in the `nvidia/<package>/lib` folders of every Python environment found: the active
///    virtual or conda environment, the system's and the user's site-packages, and `.venv/*`
///    below the working directory.
/// The first candidate that loads wins; the error lists every one tried.
public struct CUDALibraryLocator: Sendable {
    /// Sonames, newest first, such as `libnvrtc.so.13`.
    public let sonames: [String]
    /// Folders below `site-packages/nvidia` that hold the library: `cu13` for CUDA 13's wheels,
    /// the package name (`cuda_nvrtc`, `cublas`) for CUDA 12's.
    public let pipPackages: [String]

    public init(sonames: [String], pipPackages: [String]) {
        self.sonames = sonames
        self.pipPackages = pipPackages
    }

    /// Every path or name to try, in order.
    public func candidates(environment: [String: String] = currentEnvironment()) -> [String] {
        var folders = (environment["AURIS_CUDA_LIBRARY_PATH"] ?? "").split(separator: ":").map(String.init)
        var result = folders.flatMap { folder in sonames.map { "\(folder)/\($0)" } }
        result += sonames
        folders = Self.sitePackages(environment: environment).flatMap { site in pipPackages.map { "\(site)/nvidia/\($0)/lib" } }
        result += folders.filter(Self.isDirectory).flatMap { folder in sonames.map { "\(folder)/\($0)" } }
        return result
    }

    /// Opens the first candidate that loads.
    public func open() -> Result<DynamicLibrary, DynamicLibrary.LoadFailure> {
        DynamicLibrary.open(candidates: candidates())
    }

    /// Opens the library and builds `T` from it; otherwise `.unavailable`, saying what could
    /// not be done (`purpose`) and how to install the library.
    func load<T>(_ purpose: String, library: String, pipPackage: String,
                 _ make: (DynamicLibrary) throws(DeviceMemoryError) -> T) -> Result<T, DeviceMemoryError> {
        switch open() {
        case .failure(let failure):
            let reason = failure.allNotFound
                ? "\(library) was not found; install the CUDA toolkit or `pip install \(pipPackage)`, or set AURIS_CUDA_LIBRARY_PATH"
                : "\(library) could not be loaded (\(failure.reasons.joined(separator: "; ")))"
            return .failure(DeviceMemoryError(.unavailable, "\(purpose): \(reason)"))
        case .success(let opened):
            do throws(DeviceMemoryError) { return .success(try make(opened)) } catch { return .failure(error) }
        }
    }

    static func sitePackages(environment: [String: String]) -> [String] {
        var prefixes = ["VIRTUAL_ENV", "CONDA_PREFIX"].compactMap { environment[$0] }
        prefixes += ["/usr", "/usr/local", "/opt/conda"]
        if let home = environment["HOME"] { prefixes.append("\(home)/.local") }
        if let working = environment["PWD"] { prefixes += glob("\(working)/.venv/*") }
        var seen = Set<String>()
        return prefixes.flatMap { prefix in
            glob("\(prefix)/lib/python3*/site-packages") + glob("\(prefix)/lib/python3*/dist-packages")
        }.filter { seen.insert($0).inserted }
    }

    /// The paths matching a shell pattern, sorted; none when nothing matches.
    static func glob(_ pattern: String) -> [String] {
        var found = glob_t()
        defer { globfree(&found) }
        guard Glibc.glob(pattern, 0, nil, &found) == 0 else { return [] }
        return (0..<Int(found.gl_pathc)).compactMap { found.gl_pathv[$0].map { String(cString: $0) } }
    }

    static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    public static func currentEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let pair = String(cString: pointer)
            if let equals = pair.firstIndex(of: "=") {
                result[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            }
            entry += 1
        }
        return result
    }
}
