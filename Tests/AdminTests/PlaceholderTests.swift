import Testing
@testable import Admin
@Test func placeholder() { #expect(true) }
