import Testing
@testable import TLS
@Test func placeholder() { #expect(true) }
