import Dispatch
import Foundation
import Glibc
import Logging
import Proxy
import Testing

/// The state file is written off the role's queue: a write that cannot finish (its temp
/// file is a FIFO nobody reads, so `open` blocks) does not stop the role, and the admin
/// call that made the change is answered only once its write is over.
@Suite(.serialized) struct StateFileOffQueueTests {
    @Test func aStuckWriteDoesNotStopTheRoleAndHoldsTheAnswer() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("admin-state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("state.json").path
        let harness = try AdminHarness(statePath: path)
        defer { harness.stop() }
        #expect(harness.waitForActive("primary"))
        #expect(harness.waitForAllUp())

        // Observers run in order on the role's queue: this one after the state file's.
        let observed = DispatchSemaphore(value: 0)
        harness.proxy.observeEvents { events, _, _ in if !events.isEmpty { observed.signal() } }
        // A write of the start-up may still have its temp file open (EEXIST): the FIFO takes
        // the name once that write has renamed it.
        #expect(eventually { mkfifo(path + ".tmp", 0o600) == 0 })
        let answered = DispatchSemaphore(value: 0)
        let status = LockedStatus()
        Thread {
            status.set((try? harness.call("POST", "/api/roles/web/servers/secondary/maintenance", #"{"enabled":true}"#))?.status)
            answered.signal()
        }.start()
        // The change is made and its write is stuck: the role's queue goes on all the same.
        let roleWentOn = observed.wait(timeout: .now() + 5) == .success
        #expect(roleWentOn, "the role's queue is blocked by the state file")
        let statuses = DispatchSemaphore(value: 0)
        harness.proxy.roleStatuses { _ in statuses.signal() }
        #expect(statuses.wait(timeout: .now() + 5) == .success)
        #expect(status.get() == nil)  // not answered before its write is over

        // A reader lets the write go on (it then fails: a FIFO cannot be fsynced), kept open
        // until the answer so the writer never writes into a closed pipe.
        let reader = open(path + ".tmp", O_RDONLY | O_NONBLOCK)
        #expect(reader >= 0)
        #expect(answered.wait(timeout: .now() + 10) == .success)
        if reader >= 0 { close(reader) }
        #expect(status.get() == 200)
        try? FileManager.default.removeItem(atPath: path + ".tmp")

        // Many changes in a row: the file ends with the last.
        for i in 0..<20 {
            #expect(try harness.call("PUT", "/api/roles/web/failback", "{\"enabled\":\(i % 2 == 0)}").status == 200)
        }
        let saved = try StateFile(path: path, configuration: .init(), logger: Logger(label: "t")).load()
        #expect(saved?.snapshots["web"]?.failback == false)
    }
}

private final class LockedStatus: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var value: Int?
    func set(_ v: Int?) { lock.lock(); value = v; lock.unlock() }
    func get() -> Int? { lock.lock(); defer { lock.unlock() }; return value }
}
