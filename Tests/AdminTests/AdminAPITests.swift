import DemoBackends
import Foundation
import Testing

/// Every call of SPEC §5 over a real socket, with the model change it causes.
@Suite(.serialized) struct AdminAPITests {
    @Test func healthzAndReadyz() throws {
        let harness = try AdminHarness()
        defer { harness.stop() }
        #expect(try harness.get("/healthz").status == 200)
        #expect(harness.waitForActive("primary"))
        let ready = try harness.get("/readyz")
        #expect(ready.status == 200)
    }

    @Test func readyzIs503WhileNoServerHostsTheRole() throws {
        let backend = DemoServer(name: "only", kind: .http)
        try backend.start()
        defer { backend.stop() }
        backend.healthy = false
        let harness = try AdminHarness(reuse: [backend])
        defer { harness.stop() }
        #expect(eventually { (try? harness.get("/api/roles/web").json()["servers"] as? [[String: Any]])?.first?["state"] as? String == "down" })
        let reply = try harness.get("/readyz")
        #expect(reply.status == 503)
        #expect(harness.active == nil)
    }

    @Test func rolesHaveTheSpecShape() throws {
        let harness = try AdminHarness()
        defer { harness.stop() }
        #expect(harness.waitForActive("primary"))
        #expect(harness.waitForAllUp())
        let reply = try harness.get("/api/roles")
        #expect(reply.status == 200)
        #expect(reply.headers["content-type"] == "application/json")
        let roles = try #require(try reply.json()["roles"] as? [[String: Any]])
        #expect(roles.count == 1)
        let role = roles[0]
        #expect(role["name"] as? String == "web")
        #expect(role["mode"] as? String == "tcp")
        #expect(role["failback"] as? Bool == false)
        #expect(role["active"] as? String == "primary")
        let servers = try #require(role["servers"] as? [[String: Any]])
        #expect(servers.map { $0["name"] as? String } == ["primary", "secondary"])
        #expect(servers[0]["address"] as? String == "127.0.0.1:\(harness.backend("primary").port)")
        #expect(servers[0]["state"] as? String == "up")
        #expect(servers[0]["active"] as? Bool == true)
        #expect(servers[1]["active"] as? Bool == false)
        #expect(servers[0]["sessions"] as? Int == 0)
        let check = try #require(servers[0]["lastCheck"] as? [String: Any])
        #expect(check["passed"] as? Bool == true)
        #expect(check["detail"] as? String == "HTTP 200")
        #expect(check["durationMs"] is Double)
        #expect((check["at"] as? String)?.hasSuffix("Z") == true)

        let one = try harness.get("/api/roles/web")
        #expect(one.status == 200)
        #expect(try one.json()["name"] as? String == "web")
    }

    @Test func unknownRoleServerAndPathAre404WrongMethodIs405() throws {
        let harness = try AdminHarness()
        defer { harness.stop() }
        let role = try harness.get("/api/roles/nope")
        #expect(role.status == 404)
        #expect(role.error == "unknown role 'nope'")
        #expect(try harness.call("POST", "/api/roles/nope/activate", #"{"server":"primary"}"#).status == 404)
        let server = try harness.call("POST", "/api/roles/web/servers/nope/maintenance", #"{"enabled":true}"#)
        #expect(server.status == 404)
        #expect(server.error == "unknown server 'nope'")
        #expect(try harness.call("DELETE", "/api/roles/web/servers/nope").status == 404)
        #expect(try harness.get("/api/nothing").status == 404)
        // Without a cluster block there is no cluster to describe.
        let cluster = try harness.get("/api/cluster")
        #expect(cluster.status == 404)
        #expect(cluster.error == "not in cluster mode (no cluster block)")
        let wrong = try harness.call("GET", "/api/roles/web/failback")
        #expect(wrong.status == 405)
        #expect(wrong.headers["allow"] == "PUT")
        #expect(wrong.error != nil)
    }

    @Test func maintenanceOnTheActiveServerMovesTheRole() throws {
        let harness = try AdminHarness()
        defer { harness.stop() }
        #expect(harness.waitForActive("primary"))
        #expect(harness.waitForAllUp())
        let on = try harness.call("POST", "/api/roles/web/servers/primary/maintenance", #"{"enabled":true}"#)
        #expect(on.status == 200)
        #expect(harness.active == "secondary")
        let events = try #require(try on.json()["events"] as? [[String: Any]])
        let failover = try #require(events.first { $0["type"] as? String == "failover" })
        #expect(failover["reason"] as? String == "maintenance")
        #expect(failover["from"] as? String == "primary")
        #expect(failover["to"] as? String == "secondary")
        let role = try #require(try on.json()["role"] as? [String: Any])
        #expect((role["servers"] as? [[String: Any]])?.first?["state"] as? String == "maintenance")

        let off = try harness.call("POST", "/api/roles/web/servers/primary/maintenance", #"{"enabled":false}"#)
        #expect(off.status == 200)
        #expect(harness.active == "secondary")  // failback off: the role stays
        let state = try harness.get("/api/roles/web").json()
        #expect((state["servers"] as? [[String: Any]])?.first?["state"] as? String == "up")
    }

    @Test func moveChangesTheOrderAndFailbackFollowsIt() throws {
        let harness = try AdminHarness()
        defer { harness.stop() }
        #expect(harness.waitForActive("primary"))
        #expect(harness.waitForAllUp())
        let move = try harness.call("POST", "/api/roles/web/servers/secondary/move", #"{"position":0}"#)
        #expect(move.status == 200)
        let servers = try #require((try move.json()["role"] as? [String: Any])?["servers"] as? [[String: Any]])
        #expect(servers.map { $0["name"] as? String } == ["secondary", "primary"])
        #expect(harness.active == "primary")  // failback off: reordering only changes who is next

        let failback = try harness.call("PUT", "/api/roles/web/failback", #"{"enabled":true}"#)
        #expect(failback.status == 200)
        #expect(try (failback.json()["role"] as? [String: Any])?["failback"] as? Bool == true)
        #expect(harness.active == "secondary")  // now the highest server that is up
        let events = try #require(try failback.json()["events"] as? [[String: Any]])
        #expect(events.first?["reason"] as? String == "failback")

        let outOfRange = try harness.call("POST", "/api/roles/web/servers/primary/move", #"{"position":5}"#)
        #expect(outOfRange.status == 400)
    }

    @Test func activateMovesTheRoleAndRefusesADownServer() throws {
        let harness = try AdminHarness()
        defer { harness.stop() }
        #expect(harness.waitForActive("primary"))
        #expect(harness.waitForAllUp())
        let activate = try harness.call("POST", "/api/roles/web/activate", #"{"server":"secondary"}"#)
        #expect(activate.status == 200)
        #expect(harness.active == "secondary")
        #expect((try activate.json()["events"] as? [[String: Any]])?.first?["reason"] as? String == "manual")

        harness.backend("primary").healthy = false
        #expect(eventually {
            ((try? harness.get("/api/roles/web").json())?["servers"] as? [[String: Any]])?.first?["state"] as? String == "down"
        })
        let refused = try harness.call("POST", "/api/roles/web/activate", #"{"server":"primary"}"#)
        #expect(refused.status == 409)
        #expect(refused.error == "server 'primary' is down, not up")
        #expect(harness.active == "secondary")
    }

    @Test func addAndRemoveServers() throws {
        let harness = try AdminHarness()
        defer { harness.stop() }
        let extra = DemoServer(name: "tertiary", kind: .http)
        try extra.start()
        defer { extra.stop() }
        #expect(harness.waitForActive("primary"))
        let add = try harness.call("POST", "/api/roles/web/servers", #"{"name":"tertiary","address":"127.0.0.1:\#(extra.port)"}"#)
        #expect(add.status == 200)
        let names = ((try add.json()["role"] as? [String: Any])?["servers"] as? [[String: Any]])?.map { $0["name"] as? String }
        #expect(names == ["primary", "secondary", "tertiary"])
        #expect(harness.waitForAllUp())  // its health checks run
        #expect(eventually { extra.healthChecks > 0 })

        let duplicate = try harness.call("POST", "/api/roles/web/servers", #"{"name":"tertiary","address":"127.0.0.1:1"}"#)
        #expect(duplicate.status == 409)

        let remove = try harness.call("DELETE", "/api/roles/web/servers/primary")
        #expect(remove.status == 200)
        #expect(harness.active == "secondary")  // the removed server hosted the role
        let after = try harness.get("/api/roles/web").json()
        #expect((after["servers"] as? [[String: Any]])?.map { $0["name"] as? String } == ["secondary", "tertiary"])
    }

    @Test func badBodiesAre400() throws {
        let harness = try AdminHarness()
        defer { harness.stop() }
        let notJSON = try harness.call("POST", "/api/roles/web/servers/primary/maintenance", "on please")
        #expect(notJSON.status == 400)
        #expect(notJSON.error?.isEmpty == false)
        #expect(try harness.call("POST", "/api/roles/web/servers/primary/maintenance", "{}").status == 400)
        #expect(try harness.call("PUT", "/api/roles/web/failback", #"{"enabled":"yes"}"#).status == 400)
        #expect(try harness.call("POST", "/api/roles/web/activate").status == 400)
        let badAddress = try harness.call("POST", "/api/roles/web/servers", #"{"name":"x","address":"no-port"}"#)
        #expect(badAddress.status == 400)
        #expect(badAddress.error?.contains("host:port") == true)
        let form = try HTTPReply.request("POST", port: harness.port, path: "/api/roles/web/servers/primary/maintenance",
                                         rawBody: #"{"enabled":true}"#, contentType: "text/plain")
        #expect(form.status == 415)  // a cross-site form cannot make changes
        let state = try harness.get("/api/roles/web").json()
        #expect((state["servers"] as? [[String: Any]])?.count == 2)  // nothing changed
        #expect((state["servers"] as? [[String: Any]])?.first?["state"] as? String != "maintenance")
    }

    @Test func mutatingCallsNeedTheBearerToken() throws {
        let harness = try AdminHarness(token: "s3cret-token")
        defer { harness.stop() }
        #expect(harness.waitForActive("primary"))
        #expect(harness.waitForAllUp())
        let missing = try harness.call("PUT", "/api/roles/web/failback", #"{"enabled":true}"#)
        #expect(missing.status == 401)
        #expect(missing.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
        #expect(try harness.call("PUT", "/api/roles/web/failback", #"{"enabled":true}"#, token: "s3cret-tokem").status == 401)
        #expect(try harness.call("PUT", "/api/roles/web/failback", #"{"enabled":true}"#, token: "s3cret").status == 401)
        #expect(try harness.call("POST", "/api/roles/web/activate", #"{"server":"secondary"}"#).status == 401)
        #expect(harness.active == "primary")
        #expect(try harness.get("/api/roles/web").json()["failback"] as? Bool == false)

        #expect(try harness.get("/api/roles").status == 200)  // reads need no token
        let ok = try harness.call("PUT", "/api/roles/web/failback", #"{"enabled":true}"#, token: "s3cret-token")
        #expect(ok.status == 200)
        #expect(try harness.get("/api/roles/web").json()["failback"] as? Bool == true)
    }

    @Test func statusPageIsSelfContainedHTML() throws {
        let harness = try AdminHarness()
        defer { harness.stop() }
        let page = try harness.get("/")
        #expect(page.status == 200)
        #expect(page.headers["content-type"]?.hasPrefix("text/html") == true)
        #expect(page.text.contains("EventSource(\"/events"))
        #expect(page.text.contains("/api/roles"))
        #expect(!page.text.contains("http://") && !page.text.contains("https://"))  // no external assets
    }

    @Test func expectContinueGetsA100BeforeTheBody() throws {
        let harness = try AdminHarness()
        defer { harness.stop() }
        let socket = try ClientSocket(port: harness.port)
        defer { socket.close() }
        let body = #"{"enabled":true}"#
        try socket.send("PUT /api/roles/web/failback HTTP/1.1\r\nHost: a\r\nConnection: close\r\nExpect: 100-continue\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n")
        let interim = String(decoding: socket.receive() ?? [], as: UTF8.self)
        #expect(interim.hasPrefix("HTTP/1.1 100 Continue\r\n\r\n"))
        try socket.send(body)
        var raw: [UInt8] = []
        while let chunk = socket.receive(), !chunk.isEmpty { raw += chunk }
        #expect(String(decoding: raw, as: UTF8.self).hasPrefix("HTTP/1.1 200 OK"))
        #expect(try harness.get("/api/roles/web").json()["failback"] as? Bool == true)
    }

    @Test func keepAliveServesSeveralRequestsOnOneConnection() throws {
        let harness = try AdminHarness()
        defer { harness.stop() }
        let socket = try ClientSocket(port: harness.port)
        defer { socket.close() }
        try socket.send("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\nGET /api/roles/web HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        var raw: [UInt8] = []
        while let chunk = socket.receive(), !chunk.isEmpty { raw += chunk }
        let text = String(decoding: raw, as: UTF8.self)
        #expect(text.components(separatedBy: "HTTP/1.1 200 OK").count == 3)
        #expect(text.contains(#""name":"web""#))
    }
}
