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

    static func parse(_ name: String) throws -> ConfigResult {
        ConfigParser.parse(try text(name), file: name)
    }

    static func check(_ name: String) throws -> ConfigResult {
        ConfigParser.check(try text(name), file: name)
    }

    struct MissingFixture: Error {
        var name: String
    }
}
