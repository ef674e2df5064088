import Cluster
import Dispatch
import EventLoop
import ProxyConfig

/// The store a `cluster` block names: etcd, over its HTTP/JSON gateway.
enum ClusterStoreFactory {
    static func etcd(_ config: ClusterConfig, loop: EventLoop, callbackQueue: DispatchQueue) throws -> any CoordinationStore {
        try EtcdClient(config: config, loop: loop, callbackQueue: callbackQueue, callTimeout: callTimeout(config))
    }

    /// Each call's own bound: a quarter of `stale-after` (so a dead endpoint costs at most
    /// that before the next one is tried, and the member stays fresh), at most 2 s.
    static func callTimeout(_ config: ClusterConfig) -> Duration {
        min(.seconds(2), config.staleAfter / 4)
    }
}
