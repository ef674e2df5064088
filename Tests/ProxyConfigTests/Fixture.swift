import Foundation
import ProxyConfig

/// Loads `Fixtures/NAME` from the test bundle.
enum Fixture {
    static func text(_ name: String) throws -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
            throw MissingFixture(name: name)
        }
        return try String(contentsOf: url, encoding: .utf8)
    }

    static func parse(_ name: String, hostName: String? = nil) throws -> ConfigResult {
        ConfigParser.parse(try text(name), file: name, hostName: hostName)
    }

    static func check(_ name: String, hostName: String? = nil) throws -> ConfigResult {
        ConfigParser.check(try text(name), file: name, hostName: hostName)
    }

    /// The shipped `proxy.conf` at the repository root, so the test guards the real file.
    static func checkRepositoryExample() throws -> ConfigResult {
        ConfigParser.check(try repositoryExample(), file: "proxy.conf")
    }

    static func repositoryExample(filePath: String = #filePath) throws -> String {
        let root = URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try String(contentsOf: root.appendingPathComponent("proxy.conf"), encoding: .utf8)
    }

    struct MissingFixture: Error {
        var name: String
    }
}
