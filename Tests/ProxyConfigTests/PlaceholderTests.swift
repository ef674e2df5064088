import Testing
@testable import ProxyConfig
@Test func placeholder() { #expect(true) }
