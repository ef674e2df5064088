import Foundation
import Testing

/// `compress on`: responses gzipped when SPEC §3 says so (decompressed and compared byte for
/// byte), untouched for each rule that says not to.
@Suite(.serialized) struct GzipCompressionTests {
    struct Fetched {
        let head: String
        let body: [UInt8]
        func header(_ name: String) -> [String] {
            head.split(separator: "\r\n").dropFirst().compactMap { line in
                guard let colon = line.firstIndex(of: ":"), line[..<colon].lowercased() == name.lowercased() else { return nil }
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
    }

    /// curl without --compressed: the body as sent (chunked framing removed, gzip kept).
    func fetch(_ port: UInt16, _ path: String, _ headers: [String] = ["Accept-Encoding: gzip"], head: Bool = false) throws -> Fetched? {
        let dir = NSTemporaryDirectory() + "gzip-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var arguments = ["-sS", "--max-time", "10", "-D", "\(dir)/head", "-o", "\(dir)/body"]
        for h in headers { arguments += ["-H", h] }
        if head { arguments.append("-I") }
        arguments.append("http://127.0.0.1:\(port)\(path)")
        guard try runTool("curl", arguments).status == 0 else { return nil }
        let headText = try String(contentsOfFile: "\(dir)/head", encoding: .utf8)
        let body = FileManager.default.contents(atPath: "\(dir)/body").map { Array($0) } ?? []
        return Fetched(head: headText, body: body)
    }

    func gunzip(_ bytes: [UInt8]) throws -> [UInt8]? {
        let path = NSTemporaryDirectory() + "gunzip-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).gz"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try runTool("gzip", ["-dc", path])
        return result.status == 0 ? result.out : nil
    }

    func withProxy(compress: Bool = true, _ body: (UInt16) throws -> Void) throws {
        let content = try ContentServer()
        defer { content.stop() }
        let proxy = try ConfiguredProxy("""
            role web {
                listen 127.0.0.1:0;
                mode http;
                compress \(compress ? "on" : "off");
                compress-min-size 1k;
                hold 2s;
                health { path /health; interval 200ms; timeout 500ms; rise 1; fall 1; }
                server primary 127.0.0.1:\(content.port);
            }

            """)
        defer { proxy.stop() }
        #expect(proxy.waitForActive("web", "primary"))
        try body(proxy.port("web"))
    }

    @Test(arguments: ["/text/200000", "/chunked/300000", "/close/50000", "/text/1024"])
    func compressedWhenItShouldBe(_ path: String) throws {
        try withProxy { port in
            let expected = ContentServer.body(Int(path.split(separator: "/")[1])!)
            let fetched = try #require(try fetch(port, path))
            #expect(fetched.header("content-encoding") == ["gzip"])
            #expect(fetched.header("vary").contains("Accept-Encoding"))
            #expect(fetched.header("content-length").isEmpty)
            #expect(fetched.body.count < expected.count)
            #expect(try gunzip(fetched.body) == expected)
        }
    }

    @Test func untouchedForEachRule() throws {
        try withProxy { port in
            let cases: [(String, [String], Int)] = [
                ("/text/100000", [], 100000),                                  // no Accept-Encoding
                ("/close/100000", [], 100000),                                 // no Accept-Encoding, delimited by close
                ("/text/100000", ["Accept-Encoding: gzip;q=0"], 100000),       // q=0
                ("/encoded/100000", ["Accept-Encoding: gzip"], 100000),        // already encoded
                ("/png/100000", ["Accept-Encoding: gzip"], 100000),            // not a compressible type
                ("/text/1000", ["Accept-Encoding: gzip"], 1000),               // below compress-min-size
                ("/range/100000", ["Accept-Encoding: gzip", "Range: bytes=0-99999"], 100000),  // 206
            ]
            for (path, headers, size) in cases {
                let fetched = try #require(try fetch(port, path, headers))
                #expect(fetched.header("content-encoding").filter { $0 == "gzip" }.isEmpty, "\(path) \(headers)")
                #expect(fetched.body == ContentServer.body(size), "\(path) \(headers)")
            }
        }
    }

    @Test func headIsUntouched() throws {
        try withProxy { port in
            let fetched = try #require(try fetch(port, "/text/100000", head: true))
            #expect(fetched.header("content-encoding").isEmpty)
            #expect(fetched.header("content-length") == ["100000"])
        }
    }

    @Test func compressOffLeavesResponsesAlone() throws {
        try withProxy(compress: false) { port in
            let fetched = try #require(try fetch(port, "/text/100000"))
            #expect(fetched.header("content-encoding").isEmpty)
            #expect(fetched.body == ContentServer.body(100000))
        }
    }
}
