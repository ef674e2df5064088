import ProxyConfig

/// Settings a reload cannot change: the process keeps the values it started with, and
/// the log says so rather than leaving the operator to guess.
enum RestartOnlySettings {
    /// The directives among `state-file` and `cluster` whose value differs.
    static func changed(from started: ProxyConfiguration, to new: ProxyConfiguration) -> [String] {
        var names: [String] = []
        if started.stateFile != new.stateFile { names.append("state-file") }
        if started.cluster != new.cluster { names.append("cluster") }
        return names
    }
}
