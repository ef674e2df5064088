import Testing
@testable import FailoverModel
@Test func placeholder() { #expect(true) }
