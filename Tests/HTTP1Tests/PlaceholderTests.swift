import Testing
@testable import HTTP1
@Test func placeholder() { #expect(true) }
