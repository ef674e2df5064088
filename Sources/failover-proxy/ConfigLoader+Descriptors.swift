import Proxy
import ProxyConfig

extension ConfigLoader {
    /// A written `max-connections` (global or a role's) that cannot fit in the hard
    /// descriptor limit, which `run` raises the soft one to: a warning, since the cap
    /// would never be reached before the descriptors run out.
    static func descriptorWarnings(_ configuration: ProxyConfiguration, configPath: String,
                                   hardLimit: Int = DescriptorLimits.hard) -> [Diagnostic] {
        let loops = DescriptorLimits.loops(configuration)
        let fits = DescriptorBudget.maxConnections(descriptorLimit: hardLimit, configuration, loops: loops)
        func warning(_ n: Int, _ who: String, at location: SourceLocation) -> Diagnostic {
            let needed = DescriptorBudget.descriptorsNeeded(connections: n, configuration, loops: loops)
            return Diagnostic(file: configPath, at: location, severity: .warning, message:
                "\(who)max-connections \(n) needs about \(needed) descriptors, but the descriptor limit is \(hardLimit): "
                + "at most \(fits) connections fit ('auto')")
        }
        var found: [Diagnostic] = []
        if case .count(let n) = configuration.maxConnections, n > fits, let at = configuration.maxConnectionsLocation {
            found.append(warning(n, "", at: at))
        }
        for role in configuration.roles {
            if let n = role.maxConnections, n > fits, let at = role.maxConnectionsLocation {
                found.append(warning(n, "role '\(role.name)': ", at: at))
            }
        }
        return found
    }
}
