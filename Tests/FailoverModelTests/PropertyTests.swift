import FailoverModel
import Foundation
import PropertyBased
import Testing

/// Random inputs (checks, passive failures, operator calls, events, restarts) against the
/// rules every sequence must keep (SPEC §4).
@Suite struct PropertyTests {
    static let pool = ["a", "b", "c", "d", "e"]

    /// Decodes a random integer into an input; checks are drawn most often so servers
    /// actually change state. `nil` means "restart the process from the model's snapshot".
    static func op(_ value: Int) -> Op? {
        let server = pool[(value / 21) % pool.count]
        let position = (value / 105) % 5
        let flag = (value / 525) % 2 == 0
        switch value % 21 {
        case 0...5: return .pass(server)
        case 6...9: return .fail(server)
        case 10: return .passive(server)
        case 11: return .deadline
        case 12: return .maintenance(server, flag)
        case 13: return .move(server, position)
        case 14: return .add(server)
        case 15: return .remove(server)
        case 16: return .failback(flag)
        case 17: return .activate(server)
        case 18: return .event(server)
        case 19: return .feed(flag)
        default: return nil
        }
    }

    struct Trace: Equatable {
        var events: [[ModelEvent]] = []
        var errors: [ModelError?] = []
        var final: RoleModel
    }

    /// Runs the inputs, checking every invariant after each step.
    static func drive(_ initial: RoleModel, _ inputs: [Int]) -> Trace {
        var model = initial
        var trace = Trace(final: initial)
        for (n, value) in inputs.enumerated() {
            let now = time(n)
            guard let op = op(value) else {
                // A restart: state-file contents survive, health starts over.
                let snapshot = model.snapshot()
                let restarted = try? RoleModel.restarting(from: snapshot, thresholds: model.thresholds)
                #expect(restarted != nil)
                model = restarted ?? model
                #expect(model.isStartingUp && model.active == nil)
                #expect(model.servers.map(\.name) == snapshot.servers.map(\.name))
                checkInvariants(model, step: "restart")
                continue
            }
            let before = model
            let result = model.apply(op, at: now)
            switch result {
            case .success(let events):
                checkStep(before: before, after: model, op: op, events: events, at: now)
                trace.events.append(events)
                trace.errors.append(nil)
            case .failure(let error):
                #expect(model == before, "\(op) threw \(error) but changed the model")
                trace.events.append([])
                trace.errors.append(error)
            }
            checkInvariants(model, step: "\(op)")
        }
        trace.final = model
        return trace
    }

    static func checkInvariants(_ model: RoleModel, step: String) {
        let up = model.upServers
        if let active = model.active {
            #expect(up.contains(active), "after \(step): active \(active) is not up")
        } else if !model.isStartingUp {
            #expect(up.isEmpty, "after \(step): no active server although \(up) are up")
        }
        if model.failback && !model.isFeedAuthoritative && !model.isStartingUp {
            #expect(model.active == up.first, "after \(step): failback on but active is not the first up server")
        }
        #expect(Set(model.servers.map(\.name)).count == model.servers.count)
        #expect((try? RoleModel(restoring: model.snapshot())) == model, "after \(step): snapshot round-trip")
    }

    static func checkStep(before: RoleModel, after: RoleModel, op: Op, events: [ModelEvent], at now: Timestamp) {
        let failovers = events.compactMap { if case .failover(let f) = $0 { f } else { nil } }
        let health = events.compactMap { if case .health(let h) = $0 { h } else { nil } }
        #expect(events.allSatisfy { $0.at == now && $0.role == after.name })

        // Exactly one failover event per change of the active server, none without one.
        if before.active == after.active {
            #expect(failovers.isEmpty, "\(op): failover event without a change")
        } else {
            #expect(failovers.count == 1, "\(op): \(failovers.count) failover events for one change")
            #expect(failovers.first?.from == before.active && failovers.first?.to == after.active)
        }
        // Health events come first, one per server whose reported state changed.
        #expect(events.prefix(health.count).allSatisfy { if case .health = $0 { true } else { false } })
        let changed = after.servers.compactMap { server -> HealthEvent? in
            guard let old = before.server(named: server.name), old.state != server.state else { return nil }
            return HealthEvent(role: after.name, server: server.name, state: server.state, at: now)
        }
        #expect(Set(health) == Set(changed) && health.count == changed.count, "\(op): health events \(health)")

        if let change = failovers.first { checkReason(change, before: before, after: after, op: op) }

        // Without failback in force, a server that stays up keeps the role unless an
        // event or a manual activation names another one.
        let failbackBefore = before.failback && !before.isFeedAuthoritative
        let failbackAfter = after.failback && !after.isFeedAuthoritative
        if !failbackBefore, !failbackAfter, let old = before.active, after.server(named: old)?.isAvailable == true,
           after.active != old {
            #expect([.event, .manual].contains(failovers.first?.reason), "\(op): \(old) lost the role while up")
        }
    }

    /// The reason names what caused the change.
    static func checkReason(_ change: FailoverEvent, before: RoleModel, after: RoleModel, op: Op) {
        let fromState = change.from.flatMap { after.server(named: $0)?.state }
        switch change.reason {
        case .failure:
            #expect(fromState != .up, "\(op): failure while \(change.from ?? "-") is up")
            #expect(fromState != .maintenance)
        case .maintenance:
            #expect(change.from == nil || fromState == .maintenance)
            if case .maintenance = op {} else { Issue.record("\(op): maintenance reason") }
        case .failback:
            #expect(after.failback && !after.isFeedAuthoritative && fromState == .up)
            let order = after.servers.map(\.name)
            #expect(order.firstIndex { $0 == change.to }! < order.firstIndex { $0 == change.from }!)
        case .reorder:
            if case .move = op {} else { Issue.record("\(op): reorder reason") }
        case .manual:
            switch op {
            case .activate, .remove: break
            default: Issue.record("\(op): manual reason")
            }
        case .startup:
            #expect(before.isStartingUp && change.from == nil)
        case .event:
            #expect(before.pendingChoice?.kind == .event || { if case .event = op { true } else { false } }())
        }
    }

    static func caseName(_ error: ModelError) -> String {
        switch error {
        case .unknownServer: "unknownServer"
        case .duplicateServer: "duplicateServer"
        case .invalidServerName: "invalidServerName"
        case .positionOutOfRange: "positionOutOfRange"
        case .lastServer: "lastServer"
        case .serverNotAvailable: "serverNotAvailable"
        case .failbackOverrides: "failbackOverrides"
        case .invalidSnapshot: "invalidSnapshot"
        }
    }

    static let inputs = Gen.int(in: 0...10_499).array(of: 0...80)

    @Test func invariantsHoldForRandomInputs() async {
        var reasons = Set<FailoverReason>()
        var errors = Set<String>()
        var steps = 0
        await propertyCheck(count: 1000, input: Gen.int(in: 1...4), Gen.bool, Gen.int(in: 1...3),
                            Gen.int(in: 1...3), Self.inputs) { count, failback, rise, fall, inputs in
            let model = makeModel(Array(Self.pool.prefix(count)), failback: failback, rise: rise, fall: fall)
            let trace = Self.drive(model, inputs)
            steps += trace.events.count
            for case .failover(let change) in trace.events.joined() { reasons.insert(change.reason) }
            for case let error? in trace.errors { errors.insert(Self.caseName(error)) }
        }
        #expect(steps > 10_000, "the generator should produce long input sequences")
        // The generator must reach every rule, or the invariants above prove little.
        #expect(reasons == Set(FailoverReason.allCases))
        #expect(errors == ["unknownServer", "duplicateServer", "positionOutOfRange", "lastServer",
                           "serverNotAvailable", "failbackOverrides"])
    }

    @Test func sameInputsGiveTheSameEvents() async {
        await propertyCheck(count: 100, input: Gen.int(in: 1...4), Gen.bool, Self.inputs) { count, failback, inputs in
            let model = makeModel(Array(Self.pool.prefix(count)), failback: failback)
            #expect(Self.drive(model, inputs) == Self.drive(model, inputs))
        }
    }

    @Test func snapshotSurvivesJSON() async throws {
        await propertyCheck(count: 50, input: Gen.bool, Self.inputs) { failback, inputs in
            let model = Self.drive(makeModel(failback: failback), inputs).final
            let data = try JSONEncoder().encode(model.snapshot())
            #expect(try RoleModel(restoring: JSONDecoder().decode(RoleSnapshot.self, from: data)) == model)
        }
    }
}
