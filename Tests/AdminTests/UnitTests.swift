import Testing
@testable import Admin

struct BearerTokenTests {
    @Test func acceptsOnlyTheExactToken() {
        let token = BearerToken("abc123")
        #expect(token.accepts(authorization: "Bearer abc123"))
        #expect(token.accepts(authorization: "bearer abc123"))
        #expect(!token.accepts(authorization: "Bearer abc12"))
        #expect(!token.accepts(authorization: "Bearer abc1234"))
        #expect(!token.accepts(authorization: "Bearer abd123"))
        #expect(!token.accepts(authorization: "Basic abc123"))
        #expect(!token.accepts(authorization: "Bearer "))
        #expect(!token.accepts(authorization: nil))
    }
}

struct AdminRouteTests {
    @Test func parsesEveryPathOfTheSpec() {
        #expect(AdminRoute(segments: []) == .statusPage)
        #expect(AdminRoute(segments: ["healthz"]) == .healthz)
        #expect(AdminRoute(segments: ["api", "roles"]) == .roles)
        #expect(AdminRoute(segments: ["api", "roles", "r"]) == .role("r"))
        #expect(AdminRoute(segments: ["api", "roles", "r", "servers"]) == .servers(role: "r"))
        #expect(AdminRoute(segments: ["api", "roles", "r", "servers", "s"]) == .server(role: "r", server: "s"))
        #expect(AdminRoute(segments: ["api", "roles", "r", "servers", "s", "maintenance"]) == .maintenance(role: "r", server: "s"))
        #expect(AdminRoute(segments: ["api", "roles", "r", "servers", "s", "move"]) == .move(role: "r", server: "s"))
        #expect(AdminRoute(segments: ["api", "roles", "r", "failback"]) == .failback(role: "r"))
        #expect(AdminRoute(segments: ["api", "roles", "r", "activate"]) == .activate(role: "r"))
        #expect(AdminRoute(segments: ["api", "roles", "r", "servers", "s", "other"]) == nil)
        #expect(AdminRoute(segments: ["api", "other"]) == nil)
    }

    @Test func decodesPercentEscapes() {
        #expect(AdminRequest.percentDecoded("lpr%20plugin") == "lpr plugin")
        #expect(AdminRequest.percentDecoded("100%") == "100%")
    }
}
