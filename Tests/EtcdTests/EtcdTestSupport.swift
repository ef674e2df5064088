import Cluster
import Dispatch
import EventLoop
import Foundation
import ProxyConfig
import TestSupport
@testable import Proxy

func loopbackURL(_ port: UInt16) -> HTTPURL {
    HTTPURL(scheme: "http", host: "127.0.0.1", port: port, path: "/", text: "http://127.0.0.1:\(port)")
}

/// A client on its own loop and callback queue.
func makeClient(ports: [UInt16], callTimeout: Duration = .seconds(2),
                callbackQueue: DispatchQueue = DispatchQueue(label: "etcd-test.callbacks")) throws -> EtcdClient {
    try EtcdClient(urls: ports.map(loopbackURL), loop: EventLoop(label: "etcd-test"),
                   callbackQueue: callbackQueue, callTimeout: callTimeout)
}

/// A fresh three-member cluster and a client of all its members, the cluster stopped after `body`.
func withEtcd(callTimeout: Duration = .seconds(2), _ body: (EtcdCluster, EtcdClient) throws -> Void) throws {
    let cluster = try EtcdCluster()
    defer { cluster.stop() }
    try body(cluster, try makeClient(ports: cluster.clientPorts, callTimeout: callTimeout))
}

/// Waits (at most `seconds`) for a store call's one completion; nil if it never came.
func completion<T: Sendable>(_ seconds: Double = 15, _ start: (@escaping @Sendable (T) -> Void) -> Void) -> T? {
    let promise = Promise<T>()
    start { promise.fulfill($0) }
    return promise.wait(seconds: seconds)
}

extension EtcdClient {
    func put(_ key: String, _ value: String, lease: LeaseID = 0) -> Result<TransactionOutcome, StoreError>? {
        completion { transaction(if: [], then: [.put(key: key, value: Array(value.utf8), lease: lease)], readOnFailure: [], $0) }
    }

    func readAll(_ prefix: String) -> Result<StoreRead, StoreError>? {
        completion { read(prefix: prefix, $0) }
    }
}

extension Result {
    var value: Success? { if case .success(let v) = self { v } else { nil } }
    var error: Failure? { if case .failure(let e) = self { e } else { nil } }
}
