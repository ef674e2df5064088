import Synchronization

/// Body bytes the HTTP sessions of this process moved with splice(2), per direction:
/// evidence for tests and benchmarks that the zero-copy path was taken.
enum HTTPSpliceStatistics {
    static let requestBytes = Atomic<UInt64>(0)
    static let responseBytes = Atomic<UInt64>(0)

    static func addRequest(_ n: Int) { requestBytes.add(UInt64(n), ordering: .relaxed) }
    static func addResponse(_ n: Int) { responseBytes.add(UInt64(n), ordering: .relaxed) }
}
