import Foundation
import Testing
import ProxyConfig

/// The manual's configuration reference keeps up with the parser: every directive the
/// parser knows has its own `### \`name\`` heading in the section of its block.
struct ManualTests {
    static func reference(filePath: String = #filePath) throws -> String {
        let root = URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try String(contentsOf: root.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
    }

    /// The lines of the `## ` section with this heading, up to the next `## `.
    static func section(_ heading: String, in text: String) -> [Substring]? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0 == heading }) else { return nil }
        let rest = lines[(start + 1)...]
        let end = rest.firstIndex { $0.hasPrefix("## ") } ?? lines.endIndex
        return Array(lines[(start + 1)..<end])
    }

    @Test func everyDirectiveHasItsEntry() throws {
        let text = try Self.reference()
        let blocks = ConfigParser.directives
        #expect(blocks.count == 5)
        for (block, names) in blocks {
            let heading = block == "top level" ? "## Top level" : "## `\(block)` block"
            let lines = try #require(Self.section(heading, in: text), "no section '\(heading)' in docs/configuration.md")
            for name in names {
                #expect(lines.contains { $0 == "### `\(name)`" },
                        "docs/configuration.md has no '### `\(name)`' under '\(heading)'")
            }
        }
    }

    @Test func everyServerOptionIsDescribed() throws {
        let text = try Self.reference()
        let lines = try #require(Self.section("## `role` block", in: text))
        let server = lines.drop { $0 != "### `server`" }.prefix { $0 == "### `server`" || !$0.hasPrefix("### ") }
        #expect(!ConfigParser.serverOptions.isEmpty)
        for option in ConfigParser.serverOptions {
            #expect(server.contains { $0.contains("`\(option)") }, "the 'server' entry does not describe '\(option)'")
        }
    }

    /// Nothing in the manual points outside the repository.
    @Test func manualLinksStayInside() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let docs = root.appendingPathComponent("docs")
        let files = try FileManager.default.contentsOfDirectory(atPath: docs.path).filter { $0.hasSuffix(".md") }
        #expect(files.count >= 6)
        for file in files + ["../README.md"] {
            let text = try String(contentsOf: docs.appendingPathComponent(file), encoding: .utf8)
            #expect(!text.contains("../shared"), "\(file) points at ../shared")
            #expect(!text.contains("SPEC"), "\(file) mentions a SPEC file")
        }
    }
}
