import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Sends `bytes` of seeded pseudo-random data through an echoing path while reading the
/// echo back at the same time, and checksums both directions.
enum BulkEcho {
    struct Result {
        var sent = 0
        var received = 0
        var sentChecksum: UInt64 = 0
        var receivedChecksum: UInt64 = 0
    }

    /// `onProgress` is called once after about a quarter has been echoed (e.g. to send a signal mid-transfer).
    static func run(_ client: TestClient, bytes total: Int, onProgress: (() -> Void)? = nil) -> Result {
        let sentSum = ChecksumBox()
        let sender = Thread {
            var generator = SeededBytes(seed: 42)
            var chunk = [UInt8](repeating: 0, count: 1 << 20)
            var sum = Fnv1a()
            var sent = 0
            while sent < total {
                generator.fill(&chunk)
                sum.add(chunk)
                guard (try? client.send(chunk)) != nil else { break }
                sent += chunk.count
            }
            client.shutdownWrite()
            sentSum.set(sum.value, sent)
        }
        sender.start()
        var result = Result()
        var sum = Fnv1a()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var progressed = false
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(client.fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            sum.add(chunk[0..<n])
            result.received += n
            if !progressed && result.received >= total / 4 {
                progressed = true
                onProgress?()
            }
        }
        _ = eventually(timeout: 30) { sentSum.get() != nil }
        result.sent = sentSum.get()?.count ?? -1
        result.sentChecksum = sentSum.get()?.sum ?? 0
        result.receivedChecksum = sum.value
        return result
    }
}
