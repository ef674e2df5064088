import Foundation
import Logging
import Proxy
import Testing

/// A state-file write that fails leaves the last complete file in place, and the change is
/// written with the next one. The fault: a directory where the temp file goes (open fails
/// with EISDIR even for root, who ignores a read-only directory).
@Suite(.serialized) struct StateFileWriteFailureTests {
    @Test func aFailedWriteKeepsTheOldFileAndTheNextChangeWritesBoth() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("admin-state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("state.json").path
        func saved() throws -> (bytes: Data, failback: Bool?, secondary: String?) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            let role = try StateFile(path: path, configuration: .init(), logger: Logger(label: "t")).load()?.snapshots["web"]
            return (bytes, role?.failback, role?.servers.first { $0.name == "secondary" }?.state.rawValue)
        }

        let harness = try AdminHarness(statePath: path)
        defer { harness.stop() }
        #expect(harness.waitForActive("primary"))
        #expect(harness.waitForAllUp())
        #expect(try harness.call("PUT", "/api/roles/web/failback", #"{"enabled":true}"#).status == 200)
        let before = try saved()
        #expect(before.failback == true)

        try FileManager.default.createDirectory(atPath: path + ".tmp", withIntermediateDirectories: false)
        #expect(try harness.call("PUT", "/api/roles/web/failback", #"{"enabled":false}"#).status == 200)
        let during = try saved()
        #expect(during.bytes == before.bytes)  // the old file, whole
        #expect(during.failback == true)

        try FileManager.default.removeItem(atPath: path + ".tmp")
        #expect(try harness.call("POST", "/api/roles/web/servers/secondary/maintenance", #"{"enabled":true}"#).status == 200)
        let after = try saved()
        #expect(after.secondary == "maintenance")
        #expect(after.failback == false)  // the change whose write failed was written too
    }
}
