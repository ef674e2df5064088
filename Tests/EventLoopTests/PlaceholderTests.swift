import Testing
@testable import EventLoop
@Test func placeholder() { #expect(true) }
