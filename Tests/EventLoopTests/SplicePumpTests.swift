@testable import EventLoop
import Testing

/// The shared forwarding loop over a scripted leg: no sockets, one step at a time.
@Suite struct SplicePumpTests {
    /// A leg whose source gives `input` in order (then `.wouldBlock`, or end of stream) and
    /// whose sink takes at most `sinkRoom` bytes in all.
    struct ScriptedLeg: PumpLeg {
        var input: [PumpFill]
        var sinkRoom = Int.max
        var capacity = 100
        var remaining = Int.max
        var sourceEnded = false
        var pending = 0
        var written = 0
        var failSink = false
        var fills = 0

        var hasRoom: Bool { pending < capacity }

        mutating func drain() throws(SyscallError) -> IOResult<Int> {
            if failSink { throw SyscallError(call: "splice", errno: .brokenPipe) }
            let n = min(pending, sinkRoom - written)
            guard n > 0 else { return .wouldBlock }
            pending -= n
            written += n
            return .processed(n)
        }

        mutating func fill() throws(SyscallError) -> PumpFill {
            guard !input.isEmpty else { return .wouldBlock }
            let next = input.removeFirst()
            fills += 1
            if case .bytes(let n, _) = next {
                pending += n
                if remaining != .max { remaining -= n }
            }
            return next
        }
    }

    static let noPipe = SyscallError(call: "pipe2", errno: .tooManyOpenFiles)

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let leg: @Sendable () -> ScriptedLeg
        var rounds = 16
        let stop: PumpStop
        let moved: Int
        /// Reads made, when the case is about which reads are spared.
        var fills: Int? = nil
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "all moved, then nothing to read", leg: { ScriptedLeg(input: [.bytes(10, sourceDrained: false), .bytes(5, sourceDrained: false)]) },
             stop: .sourceIdle, moved: 15),
        Case(name: "the sink blocks at once: reading may go on",
             leg: { ScriptedLeg(input: [.bytes(100, sourceDrained: false), .bytes(5, sourceDrained: false)], sinkRoom: 0) }, stop: .sinkBlocked(sourceFull: false), moved: 0),
        Case(name: "the sink blocks after a read found no room: reading waits too",
             leg: { ScriptedLeg(input: [.bytes(10, sourceDrained: false), .bytes(5, sourceDrained: false)], sinkRoom: 12) }, stop: .sinkBlocked(sourceFull: true), moved: 12),
        Case(name: "end of stream after the pending bytes went out",
             leg: { ScriptedLeg(input: [.bytes(10, sourceDrained: false), .endOfStream]) }, stop: .sourceEnded, moved: 10),
        Case(name: "end of stream with bytes pending: they go first",
             leg: { ScriptedLeg(input: [.bytes(10, sourceDrained: false), .endOfStream], sinkRoom: 4) }, stop: .sinkBlocked(sourceFull: false), moved: 4),
        Case(name: "a limit: done once its bytes are written",
             leg: { ScriptedLeg(input: [.bytes(6, sourceDrained: false), .bytes(4, sourceDrained: false), .bytes(99, sourceDrained: false)], remaining: 10) }, stop: .limitReached, moved: 10),
        Case(name: "no pipe: typed, nothing lost", leg: { ScriptedLeg(input: [.bytes(3, sourceDrained: false), .noPipe(Self.noPipe)]) },
             stop: .noPipe(Self.noPipe), moved: 3),
        Case(name: "a failing sink is the sink's failure", leg: { ScriptedLeg(input: [.bytes(3, sourceDrained: false)], failSink: true) },
             stop: .sinkFailed(SyscallError(call: "splice", errno: .brokenPipe)), moved: 0),
        Case(name: "the round limit with bytes still pending", leg: { ScriptedLeg(input: Array(repeating: .bytes(1, sourceDrained: false), count: 50), sinkRoom: 2) },
             rounds: 2, stop: .roundLimit(pending: false, sourceFull: false), moved: 1),
        Case(name: "a short read emptied the socket: no read to see EAGAIN",
             leg: { ScriptedLeg(input: [.bytes(10, sourceDrained: true), .bytes(5, sourceDrained: false)]) },
             stop: .sourceIdle, moved: 10, fills: 1),
        Case(name: "a short read and a partial write: the rest is written, nothing read",
             leg: { ScriptedLeg(input: [.bytes(10, sourceDrained: true), .bytes(5, sourceDrained: false)], sinkRoom: 4) },
             stop: .sinkBlocked(sourceFull: false), moved: 4, fills: 1),
        Case(name: "a full read: reading goes on", leg: { ScriptedLeg(input: [.bytes(10, sourceDrained: false), .endOfStream]) },
             stop: .sourceEnded, moved: 10, fills: 2),
    ]

    @Test(arguments: cases)
    func pump(_ c: Case) {
        var leg = c.leg()
        let result = SplicePump.run(&leg, rounds: c.rounds)
        #expect(result == PumpResult(stop: c.stop, moved: c.moved))
        #expect(leg.written == c.moved)
        if let fills = c.fills { #expect(leg.fills == fills) }
    }
}
