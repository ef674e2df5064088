#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// The process's open fds and resident memory, from /proc/self at scrape time (Linux).
struct ProcessStats {
    var openFileDescriptors: Int?
    var residentBytes: Int?

    static func read() -> ProcessStats {
        var stats = ProcessStats()
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            stats.openFileDescriptors = max(0, entries.count - 1)  // minus the fd listing the directory
        }
        // statm: size resident shared … in pages.
        if let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) {
            let fields = statm.split(separator: " ")
            if fields.count > 1, let pages = Int(fields[1]) {
                stats.residentBytes = pages * Int(sysconf(Int32(_SC_PAGESIZE)))
            }
        }
        return stats
    }
}
