import Foundation
import Testing

/// `failover-proxy check`, run as the operator runs it.
@Suite struct CheckCommandTests {
    @Test func shippedProxyConfPassesCheck() throws {
        let (code, out, err) = try ProxyProcess.run(["check", "--config", "proxy.conf"], currentDirectory: repositoryRoot())
        #expect(code == 0)
        #expect(err == "")
        #expect(out == "proxy.conf: ok: 2 role(s), 0 warning(s)\n")
    }

    @Test func defaultConfigPathIsProxyConfInTheCurrentDirectory() throws {
        let (code, _, _) = try ProxyProcess.run(["check"], currentDirectory: repositoryRoot())
        #expect(code == 0)
    }

    @Test func everyErrorInOnePassAndExitOne() throws {
        let dir = try TemporaryDirectory()
        try dir.write("bad.conf", """
        role r {
            listen 127.0.0.1:1;
            mode htp;
            falback on;
            server a 127.0.0.1:2;
            server b 127.0.0.1:3;
        }

        """)
        let (code, out, err) = try ProxyProcess.run(["check", "--config", "bad.conf"], currentDirectory: dir.url)
        #expect(code == 1)
        #expect(out == "")
        #expect(err == """
        bad.conf:3:10: error: invalid value 'htp' for 'mode': expected 'http' or 'tcp'
        bad.conf:4:5: error: unknown directive 'falback'; did you mean 'failback'?

        """)
    }

    @Test func warningsArePrintedAndExitStaysZero() throws {
        let dir = try TemporaryDirectory()
        try dir.write("single.conf", """
        role r {
            listen 127.0.0.1:1;
            server a 127.0.0.1:2;
        }

        """)
        let (code, out, err) = try ProxyProcess.run(["check", "--config", "single.conf"], currentDirectory: dir.url)
        #expect(code == 0)
        #expect(err.hasPrefix("single.conf:1:1: warning: "))
        #expect(err.contains("no failover"))
        #expect(out == "single.conf: ok: 1 role(s), 1 warning(s)\n")
    }

    @Test func missingFileIsAnError() throws {
        let dir = try TemporaryDirectory()
        let (code, _, err) = try ProxyProcess.run(["check", "--config", "nope.conf"], currentDirectory: dir.url)
        #expect(code == 1)
        #expect(err == "nope.conf:1:1: error: no such file\n")
    }

    @Test func unreadableReferencedFileIsAnErrorAtItsLine() throws {
        let dir = try TemporaryDirectory()
        try dir.write("token.conf", """
        admin {
            listen 127.0.0.1:9901;
            token-file missing.token;
        }
        role r {
            listen 127.0.0.1:1;
            server a 127.0.0.1:2;
            server b 127.0.0.1:3;
        }

        """)
        let (code, _, err) = try ProxyProcess.run(["check", "--config", "token.conf"], currentDirectory: dir.url)
        #expect(code == 1)
        #expect(err == "token.conf:3:16: error: cannot read token-file 'missing.token'\n")
    }

    @Test func versionFlag() throws {
        let (code, out, _) = try ProxyProcess.run(["--version"])
        #expect(code == 0)
        #expect(out == "0.1.0\n")
    }
}
