import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import Proxy
import ProxyConfig

/// `failover-proxy ctl …`: the admin API from the command line.
struct CtlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ctl",
        abstract: "Query and change a running proxy through its admin API.",
        discussion: "The admin address and token file come from proxy.conf (--config), or from --admin and --token-file.",
        subcommands: [
            CtlStatus.self, CtlMaintenance.self, CtlActivate.self, CtlMove.self, CtlFailback.self,
            CtlAdd.self, CtlRemove.self, CtlEvents.self, CtlCluster.self,
        ]
    )
}

/// Where the admin API is and how to talk to it; shared by every `ctl` subcommand.
struct CtlOptions: ParsableArguments {
    @Option(name: .long, help: "The configuration file to read the admin address and token file from.")
    var config: String = "proxy.conf"

    @Option(name: .long, help: "The admin API's address, HOST:PORT (instead of proxy.conf's).")
    var admin: String?

    @Option(name: .long, help: "A file holding the admin bearer token (instead of proxy.conf's token-file).")
    var tokenFile: String?

    @Flag(name: .long, help: "Print the API's JSON instead of a table.")
    var json = false

    /// The client for the admin API: flags first, then proxy.conf.
    func client() throws -> AdminClient {
        var endpoint: Endpoint?
        var tokenPath = tokenFile
        if let admin {
            endpoint = try Self.endpoint(admin)
        }
        if endpoint == nil || tokenPath == nil {
            let fromFile = try Self.adminConfig(config, needed: endpoint == nil)
            endpoint = endpoint ?? fromFile?.listen
            if tokenPath == nil, let token = fromFile?.tokenFile { tokenPath = ConfigLoader.resolve(token, relativeTo: config) }
        }
        guard let endpoint else { throw CtlFailure("\(config) has no 'admin' block; pass --admin HOST:PORT") }
        var token: String?
        if let tokenPath {
            guard let text = try? String(contentsOfFile: tokenPath, encoding: .utf8) else {
                throw CtlFailure("cannot read the token file '\(tokenPath)'")
            }
            token = text.trimmedWhitespace
        }
        return AdminClient(host: Self.connectHost(endpoint.host), port: endpoint.port, token: token)
    }

    /// The `admin` block of proxy.conf; nil when it has none. Only the syntax matters here:
    /// `ctl` must work where TLS keys are not readable by the operator.
    static func adminConfig(_ path: String, needed: Bool) throws -> AdminConfig? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            if needed { throw CtlFailure("cannot read \(path); pass --config PATH or --admin HOST:PORT") }
            return nil
        }
        let result = ConfigParser.parse(text, file: path, hostName: HostName.current())
        guard let configuration = result.configuration else {
            if needed {
                throw CtlFailure("\(path) has errors (see 'failover-proxy check'); pass --admin HOST:PORT\n"
                    + result.errors.map(\.description).joined(separator: "\n"))
            }
            return nil
        }
        return configuration.admin
    }

    static func endpoint(_ text: String) throws -> Endpoint {
        let parsed = ConfigParser.parse("admin { listen \(text); }", file: "--admin")
        guard let endpoint = parsed.configuration?.admin?.listen, !text.contains(";"), !text.contains("}") else {
            throw ValidationError("--admin: expected HOST:PORT, e.g. 127.0.0.1:9901")
        }
        return endpoint
    }

    /// A wildcard listen address is reached on loopback.
    static func connectHost(_ host: String) -> String {
        switch host {
        case "0.0.0.0", "": "127.0.0.1"
        case "::": "::1"
        default: host
        }
    }
}

struct CtlFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs one `ctl` call: failures are one `error:` line on stderr and exit 1.
func runCtl(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ValidationError {
        throw error
    } catch {
        printError("error: \(error)")
        throw ExitCode(1)
    }
}

/// A path segment, percent-encoded: every byte but ASCII letters, digits and "-._~".
func pathSegment(_ text: String) -> String {
    let hex = Array("0123456789ABCDEF".utf8)
    var out: [UInt8] = []
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            out.append(byte)
        default:
            out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xf)]]
        }
    }
    return String(decoding: out, as: UTF8.self)
}

/// `on|off` arguments.
enum OnOff: String, ExpressibleByArgument, CaseIterable {
    case on, off
    var enabled: Bool { self == .on }
}
