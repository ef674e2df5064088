// The Codable forms of events are the wire format of SPEC §5 (`/events` data and the
// feed): {"type":"failover","role","from","to","reason","at"} and
// {"type":"health","role","server","state","at"}, `at` in RFC 3339. `from`/`to` are always
// present, `null` when there is no server.

private enum EventType: String, Codable {
    case failover, health
}

private enum WireKeys: String, CodingKey {
    case type, role, from, to, reason, at, server, state
}

private func expectType(_ expected: EventType, in container: KeyedDecodingContainer<WireKeys>) throws {
    let type = try container.decode(EventType.self, forKey: .type)
    guard type == expected else {
        throw DecodingError.dataCorruptedError(
            forKey: .type, in: container, debugDescription: "expected type \(expected.rawValue)")
    }
}

extension FailoverEvent: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: WireKeys.self)
        try expectType(.failover, in: container)
        self.init(
            role: try container.decode(String.self, forKey: .role),
            from: try container.decodeIfPresent(String.self, forKey: .from),
            to: try container.decodeIfPresent(String.self, forKey: .to),
            reason: try container.decode(FailoverReason.self, forKey: .reason),
            at: try container.decode(Timestamp.self, forKey: .at))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: WireKeys.self)
        try container.encode(EventType.failover, forKey: .type)
        try container.encode(role, forKey: .role)
        try container.encode(from, forKey: .from)  // Optional: encodes null, key kept
        try container.encode(to, forKey: .to)
        try container.encode(reason, forKey: .reason)
        try container.encode(at, forKey: .at)
    }
}

extension HealthEvent: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: WireKeys.self)
        try expectType(.health, in: container)
        self.init(
            role: try container.decode(String.self, forKey: .role),
            server: try container.decode(String.self, forKey: .server),
            state: try container.decode(ServerState.self, forKey: .state),
            at: try container.decode(Timestamp.self, forKey: .at))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: WireKeys.self)
        try container.encode(EventType.health, forKey: .type)
        try container.encode(role, forKey: .role)
        try container.encode(server, forKey: .server)
        try container.encode(state, forKey: .state)
        try container.encode(at, forKey: .at)
    }
}

extension ModelEvent: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: WireKeys.self)
        switch try container.decode(EventType.self, forKey: .type) {
        case .failover: self = .failover(try FailoverEvent(from: decoder))
        case .health: self = .health(try HealthEvent(from: decoder))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .failover(let event): try event.encode(to: encoder)
        case .health(let event): try event.encode(to: encoder)
        }
    }
}
