import Testing
@testable import ProxyConfig

struct SuggestionTests {
    @Test func misspeltDirectiveSuggestsTheNearestKnownOne() {
        #expect(Suggestion.nearest(to: "falback", in: BlockKind.role.directives) == "failback")
        #expect(Suggestion.nearest(to: "conect-timeout", in: BlockKind.role.directives) == "connect-timeout")
        #expect(Suggestion.nearest(to: "intervall", in: BlockKind.health.directives) == "interval")
        #expect(Suggestion.nearest(to: "tsl", in: ["health-port", "tls", "tls-name"]) == "tls")
    }

    @Test func farOffNamesGetNoSuggestion() {
        #expect(Suggestion.nearest(to: "frobnicate", in: BlockKind.role.directives) == nil)
        #expect(Suggestion.nearest(to: "x", in: ["y", "z"]) == nil)
    }

    @Test func editDistanceCountsASwapAsOneEdit() {
        #expect(Suggestion.editDistance("falback", "failback") == 1)
        #expect(Suggestion.editDistance("tsl", "tls") == 1)
        #expect(Suggestion.editDistance("", "abc") == 3)
        #expect(Suggestion.editDistance("same", "same") == 0)
    }
}
