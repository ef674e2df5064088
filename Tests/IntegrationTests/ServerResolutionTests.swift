import Dispatch
import FailoverModel
import Foundation
@testable import Proxy
import ProxyConfig
import Testing
import TestSupport

/// Adding a server by name resolves it off the role's queue: a slow lookup (an injected
/// resolver that waits for the test) does not stop the role answering other calls.
@Suite(.serialized) struct ServerResolutionTests {
    @Test func aSlowLookupDoesNotStopTheRole() throws {
        let fixture = try HTTPProxyFixture()
        defer { fixture.stop() }
        let controller = try #require(fixture.proxy.controllers.first)
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        controller.queue.sync {
            controller.resolver = { name, address throws(OperationError) in
                entered.signal()
                _ = release.wait(timeout: .now() + 10)
                return try RoleController.resolveTarget(name, address)
            }
        }
        let added = Promise<Bool>()
        fixture.proxy.perform(.addServer(name: "late", address: "127.0.0.1:9"), role: "web") { result, _ in
            added.fulfill((try? result.get()) != nil)
        }
        #expect(entered.wait(timeout: .now() + 10) == .success)
        // The lookup is under way: the role still decides.
        let failback = Promise<Bool>()
        fixture.proxy.perform(.setFailback(true), role: "web") { result, _ in failback.fulfill((try? result.get()) != nil) }
        #expect(failback.wait(seconds: 5) == true, "the role's queue waited for the lookup")
        release.signal()
        #expect(added.wait() == true)
        #expect(controller.queue.sync { controller.model.servers.map(\.name) } == ["primary", "late"])
    }

    @Test func aNameThatDoesNotResolveIsRefusedWithItsReason() throws {
        let fixture = try HTTPProxyFixture()
        defer { fixture.stop() }
        let controller = try #require(fixture.proxy.controllers.first)
        controller.queue.sync {
            controller.resolver = { _, _ throws(OperationError) in throw .unresolvable("cannot resolve 'nowhere.invalid'") }
        }
        let refused = Promise<OperationError?>()
        fixture.proxy.perform(.addServer(name: "x", address: "nowhere.invalid:80"), role: "web") { result, _ in
            if case .failure(let error) = result { refused.fulfill(error) } else { refused.fulfill(nil) }
        }
        #expect(refused.wait() == .some(.unresolvable("cannot resolve 'nowhere.invalid'")))
        #expect(controller.queue.sync { controller.model.servers.map(\.name) } == ["primary"])
    }
}
