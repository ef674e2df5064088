import FailoverModel

/// One input to a `RoleModel`, as tests script them.
enum Op: Equatable, Sendable, CustomStringConvertible {
    case pass(String)
    case fail(String)
    case passive(String)
    case deadline
    case maintenance(String, Bool)
    case move(String, Int)
    case add(String)
    case remove(String)
    case failback(Bool)
    case activate(String)
    case event(String)
    case feed(Bool)

    var description: String {
        switch self {
        case .pass(let s): "pass \(s)"
        case .fail(let s): "fail \(s)"
        case .passive(let s): "passive \(s)"
        case .deadline: "deadline"
        case .maintenance(let s, let on): "maintenance \(s) \(on ? "on" : "off")"
        case .move(let s, let p): "move \(s) \(p)"
        case .add(let s): "add \(s)"
        case .remove(let s): "remove \(s)"
        case .failback(let on): "failback \(on ? "on" : "off")"
        case .activate(let s): "activate \(s)"
        case .event(let s): "event \(s)"
        case .feed(let on): "feed \(on ? "on" : "off")"
        }
    }
}

extension RoleModel {
    /// Applies `op` at `time`; operator errors come back as `.failure`.
    mutating func apply(_ op: Op, at time: Timestamp) -> Result<[ModelEvent], ModelError> {
        do throws(ModelError) {
            switch op {
            case .pass(let s): return .success(recordCheck(server: s, passed: true, at: time))
            case .fail(let s): return .success(recordCheck(server: s, passed: false, at: time))
            case .passive(let s): return .success(reportPassiveFailure(server: s, at: time))
            case .deadline: return .success(startupDeadlineReached(at: time))
            case .maintenance(let s, let on): return .success(try setMaintenance(server: s, enabled: on, at: time))
            case .move(let s, let p): return .success(try move(server: s, to: p, at: time))
            case .add(let s): return .success(try addServer(name: s, address: "10.0.0.\(s.count):80", at: time))
            case .remove(let s): return .success(try removeServer(name: s, at: time))
            case .failback(let on): return .success(setFailback(on, at: time))
            case .activate(let s): return .success(try activate(server: s, at: time))
            case .event(let s): return .success(applyFailoverEvent(to: s, at: time))
            case .feed(let on): return .success(setFeedAuthority(on, at: time))
            }
        } catch {
            return .failure(error)
        }
    }

    /// Up servers in list order, for assertions.
    var upServers: [String] { servers.filter(\.isAvailable).map(\.name) }
}

/// Events in a compact text form so tables read like the rules:
/// `a:up` (health), `a>b failback` (failover; `-` is no server).
func describe(_ events: [ModelEvent]) -> [String] {
    events.map { event in
        switch event {
        case .health(let h): "\(h.server):\(h.state.rawValue)"
        case .failover(let f): "\(f.from ?? "-")>\(f.to ?? "-") \(f.reason.rawValue)"
        }
    }
}

func makeModel(_ names: [String] = ["a", "b", "c"], failback: Bool = false,
               rise: Int = 2, fall: Int = 2) -> RoleModel {
    let specs = names.enumerated().map { ServerSpec(name: $0.element, address: "10.0.0.\($0.offset + 1):8080") }
    // Names in tests are unique and non-empty, so creation cannot fail.
    return try! RoleModel(name: "lpr-plugin", servers: specs, failback: failback,
                          thresholds: HealthThresholds(rise: rise, fall: fall))
}

/// A scripted step: the input and the events it must cause (or the error it must raise).
struct Step: Sendable {
    var op: Op
    var expected: [String]
    var error: ModelError?

    init(_ op: Op, _ expected: [String] = []) {
        self.op = op
        self.expected = expected
        self.error = nil
    }

    init(_ op: Op, throws error: ModelError) {
        self.op = op
        self.expected = []
        self.error = error
    }
}

func time(_ step: Int) -> Timestamp { Timestamp(milliseconds: 1_764_000_000_000 + Int64(step) * 1000) }
