// Shows that ThreadSanitizer does not see Synchronization.Mutex (see scripts/tsan.supp):
//   swiftc -sanitize=thread -Onone scripts/tsan-mutex-probe.swift -o /tmp/probe && /tmp/probe
// reports "Swift access race" although every access is inside `withLock`; with
// `-D NSLOCK` (the same accesses under an NSLock) it reports nothing.
import Foundation
import Synchronization

#if NSLOCK
final class Server: @unchecked Sendable {  // `state` guarded by `lock`
    struct State { var open: Set<Int32> = []; var accepted = 0 }
    private let lock = NSLock()
    private var state = State()
    func add(_ fd: Int32) { lock.withLock { state.accepted += 1; state.open.insert(fd) } }
    func remove(_ fd: Int32) { lock.withLock { _ = state.open.remove(fd) } }
    var count: Int { lock.withLock { state.accepted } }
}
#else
final class Server: Sendable {
    struct State { var open: Set<Int32> = []; var accepted = 0 }
    private let state = Mutex(State())
    func add(_ fd: Int32) { state.withLock { $0.accepted += 1; $0.open.insert(fd) } }
    func remove(_ fd: Int32) { state.withLock { _ = $0.open.remove(fd) } }
    var count: Int { state.withLock { $0.accepted } }
}
#endif

let server = Server()
let done = DispatchGroup()
for t in 0..<4 {
    done.enter()
    Thread {
        for i in 0..<2_000 { let fd = Int32(t * 10_000 + i); server.add(fd); server.remove(fd) }
        done.leave()
    }.start()
}
done.wait()
print("accepted", server.count)
