// swift-tools-version: 6.1
import PackageDescription

// Targets follow the architecture (see README "Layout"): pure core (FailoverModel,
// ProxyConfig, HTTP1) with no I/O; the Dispatch shell (EventLoop, Proxy) on top.
let package = Package(
    name: "failover-proxy",
    products: [
        .executable(name: "failover-proxy", targets: ["failover-proxy"]),
        .library(name: "FailoverModel", targets: ["FailoverModel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // Pure: the failover rules. No I/O, no clock, no global state.
        .target(name: "FailoverModel"),
        // Pure: proxy.conf lexer, parser, typed config, diagnostics, preflight.
        .target(name: "ProxyConfig"),
        // Pure: incremental HTTP/1.1 head parser and body framing.
        .target(name: "HTTP1"),
        // Pure: one HTTP/1 client connection's exchanges as a state machine (retries,
        // keep-alive, deadlines), driven by the Proxy's HTTPSession. No I/O, no clock.
        .target(name: "HTTPExchange", dependencies: ["HTTP1"]),
        // Pure: cluster mode's decisions (election, role records in etcd, planned moves,
        // freshness) over the `CoordinationStore` protocol. No I/O, no clock.
        .target(name: "Cluster", dependencies: ["FailoverModel"]),
        // Thin C wrappers for what Glibc's Swift module does not expose (splice, pipe2, accept4…).
        .target(name: "CLinux"),
        // Dispatch event loops, syscalls, fd ownership, listeners, timers, splice forwarding.
        .target(
            name: "EventLoop",
            dependencies: [
                "CLinux",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // The I/O shell: TCP and HTTP forwarding, health checks, failover wiring. Glue, no policy.
        .target(
            name: "Proxy",
            dependencies: [
                "EventLoop", "FailoverModel", "ProxyConfig", "HTTP1", "HTTPExchange", "TLS", "Gzip", "Cluster",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The admin API's JSON documents: encoded by Admin, decoded by `ctl`.
        .target(name: "AdminAPI", dependencies: ["FailoverModel"]),
        // Admin API: status page, JSON API, SSE event stream, Prometheus metrics.
        .target(
            name: "Admin",
            dependencies: [
                "AdminAPI", "Proxy", "EventLoop", "HTTP1", "FailoverModel", "ProxyConfig", "Cluster",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // The system's OpenSSL (libssl-dev) and zlib (zlib1g-dev), found by pkg-config.
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // TLS engine over non-blocking sockets, driven by the event loop.
        .target(name: "TLS", dependencies: ["COpenSSL", "EventLoop"]),
        // Streaming gzip for HTTP responses.
        .target(name: "Gzip", dependencies: ["CZlib"]),
        // Stand-in servers for `demo` and the integration tests (thread per connection; not the product).
        .target(name: "DemoBackends"),
        .executableTarget(
            name: "failover-proxy",
            dependencies: [
                "FailoverModel", "ProxyConfig", "Proxy", "Admin", "AdminAPI", "TLS", "EventLoop", "DemoBackends",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // Release: lld packs the binary's relative relocations (DT_RELR, glibc ≥ 2.36):
            // 1.1 MB fewer pages touched at start. See README "Performance".
            linkerSettings: [
                .unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"],
                             .when(platforms: [.linux], configuration: .release)),
            ]
        ),
        .testTarget(
            name: "FailoverModelTests",
            dependencies: ["FailoverModel", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(name: "ProxyConfigTests", dependencies: ["ProxyConfig"], resources: [.copy("Fixtures")]),
        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1"]),
        .testTarget(name: "HTTPExchangeTests", dependencies: ["HTTPExchange", "HTTP1"]),
        .testTarget(name: "ClusterTests", dependencies: ["Cluster", "FailoverModel"]),
        // Helpers shared by the test targets: blocking peers, promises, a throwaway PKI.
        .target(name: "TestSupport", dependencies: ["EventLoop", "Cluster"], path: "Tests/TestSupport"),
        .testTarget(name: "EventLoopTests", dependencies: ["EventLoop", "CLinux", "TestSupport"]),
        .testTarget(name: "ProxyTests", dependencies: [
            "Proxy", "EventLoop", "TLS", "DemoBackends", "TestSupport", .product(name: "MetricsTestKit", package: "swift-metrics"),
        ]),
        // EtcdClient: its JSON, and calls against a real three-member etcd the tests start.
        .testTarget(name: "EtcdTests", dependencies: ["Proxy", "Cluster", "EventLoop", "ProxyConfig", "TestSupport"]),
        .testTarget(name: "TLSTests", dependencies: ["TLS", "EventLoop", "TestSupport"]),
        .testTarget(name: "GzipTests", dependencies: ["Gzip"]),
        .testTarget(name: "AdminTests", dependencies: ["Admin", "AdminAPI", "Proxy", "DemoBackends"]),
        // Real sockets on 127.0.0.1 and the real executable: what an operator sees.
        .testTarget(name: "IntegrationTests", dependencies: ["Proxy", "Admin", "EventLoop", "DemoBackends", "FailoverModel", "ProxyConfig", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
