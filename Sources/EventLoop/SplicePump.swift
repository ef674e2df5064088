/// One forwarding direction as the pump sees it: bytes read from a source wait (in a pipe
/// or a buffer) until the sink takes them.
protocol PumpLeg {
    /// Bytes read and not yet written.
    var pending: Int { get }
    /// Whether a read may take more now.
    var hasRoom: Bool { get }
    /// Bytes the source may still give; `Int.max`: until end of stream.
    var remaining: Int { get }
    /// End of stream was read (now or by an earlier run).
    var sourceEnded: Bool { get set }
    /// Writes pending bytes to the sink.
    mutating func drain() throws(SyscallError) -> IOResult<Int>
    /// Reads from the source, at most `remaining`.
    mutating func fill() throws(SyscallError) -> PumpFill
}

/// What one read of a pump's source gave.
enum PumpFill {
    /// `sourceDrained`: a socket read came back short of what was asked, so the socket
    /// holds nothing more now (with near certainty; level-triggered epoll reports it
    /// again if it does). No read is spent to see EAGAIN.
    case bytes(Int, sourceDrained: Bool)
    case endOfStream
    /// Nothing to read, or no room to read into.
    case wouldBlock
    /// No pipe could be had (the descriptor limit): nothing was read.
    case noPipe(SyscallError)
}

/// Why a pump run stopped; the caller turns it into read and write interest.
public enum PumpStop: Equatable, Sendable {
    /// Nothing to read now and nothing waiting for the sink: wait for input.
    case sourceIdle
    /// The sink takes no more now and bytes wait for it: wait until it is writable.
    /// `sourceFull`: the pipe or buffer is full too, so reading waits as well.
    case sinkBlocked(sourceFull: Bool)
    /// The round limit: the rest goes on from the next wake-up.
    case roundLimit(pending: Bool, sourceFull: Bool)
    /// The `remaining` bytes all went through.
    case limitReached
    /// End of stream read, and every byte before it passed on.
    case sourceEnded
    /// No pipe could be had: the rest must be copied (nothing was lost).
    case noPipe(SyscallError)
    case sourceFailed(SyscallError)
    case sinkFailed(SyscallError)
}

/// The result of one pump run: why it stopped and how many bytes reached the sink.
public struct PumpResult: Equatable, Sendable {
    public var stop: PumpStop
    public var moved: Int
}

/// The one forwarding loop of the data plane (TCP sessions, upgrade tunnels and HTTP
/// bodies): write what is pending first, read only while the sink took everything or the
/// relay has room (backpressure), at most `rounds` rounds per wake-up so one busy
/// connection cannot starve the others.
enum SplicePump {
    static func run<Leg: PumpLeg>(_ leg: inout Leg, rounds: Int) -> PumpResult {
        var moved = 0
        var sourceFull = false
        var sourceDrained = false
        var round = 0
        while true {
            round += 1
            if leg.pending > 0 {
                do {
                    switch try leg.drain() {
                    case .wouldBlock: return PumpResult(stop: .sinkBlocked(sourceFull: sourceFull), moved: moved)
                    case .processed(let n): moved += n
                    }
                } catch {
                    return PumpResult(stop: .sinkFailed(error), moved: moved)
                }
            }
            let limitReached = leg.remaining == 0
            if leg.sourceEnded || limitReached {
                if leg.pending == 0 { return PumpResult(stop: leg.sourceEnded ? .sourceEnded : .limitReached, moved: moved) }
                if round >= rounds { return PumpResult(stop: .roundLimit(pending: true, sourceFull: sourceFull), moved: moved) }
                continue
            }
            if sourceDrained {
                if leg.pending == 0 { return PumpResult(stop: .sourceIdle, moved: moved) }
                if round >= rounds { return PumpResult(stop: .roundLimit(pending: true, sourceFull: false), moved: moved) }
                continue  // a partial write: write the rest, read nothing
            }
            if round >= rounds { return PumpResult(stop: .roundLimit(pending: leg.pending > 0, sourceFull: sourceFull), moved: moved) }
            if !leg.hasRoom {
                sourceFull = true
                continue
            }
            let fill: PumpFill
            do {
                fill = try leg.fill()
            } catch {
                return PumpResult(stop: .sourceFailed(error), moved: moved)
            }
            switch fill {
            case .bytes(_, let drained):
                sourceFull = false
                sourceDrained = drained
            case .endOfStream:
                leg.sourceEnded = true
            case .wouldBlock:
                // Nothing to read, or the pipe's slots are full: only the latter can be
                // true while bytes are pending, so then drain and see.
                if leg.pending == 0 { return PumpResult(stop: .sourceIdle, moved: moved) }
                sourceFull = true
            case .noPipe(let error):
                return PumpResult(stop: .noPipe(error), moved: moved)
            }
        }
    }
}

/// An HTTP body between two stream connections, through the source's borrowed pipe.
struct StreamSpliceLeg: PumpLeg {
    let source: StreamConnection
    let sink: StreamConnection
    var remaining: Int
    var sourceEnded = false

    var pending: Int { source.splicePending }
    var hasRoom: Bool { true }  // a full pipe reads as `.wouldBlock`

    mutating func drain() throws(SyscallError) -> IOResult<Int> {
        switch source.spliceOut(to: sink) {
        case .written(let n): return .processed(n)
        case .wouldBlock: return .wouldBlock
        case .error(let error): throw error
        }
    }

    mutating func fill() throws(SyscallError) -> PumpFill {
        switch source.spliceIn(limit: remaining) {
        case .bytes(let n, let short):
            remaining -= n
            return .bytes(n, sourceDrained: short)
        case .eof: return .endOfStream
        case .wouldBlock: return .wouldBlock
        case .noPipe(let error): return .noPipe(error)
        case .error(let error): throw error
        }
    }
}

extension StreamConnection {
    /// Moves up to `remaining` bytes from this connection to `sink` by splice, a bounded
    /// number of rounds; `remaining` is lowered by what was read. A blocked sink has its
    /// `onWritable` armed (like `write`); read interest is the caller's, by the result.
    public func splice(to sink: StreamConnection, remaining: inout Int, rounds: Int) -> PumpResult {
        var leg = StreamSpliceLeg(source: self, sink: sink, remaining: remaining)
        let result = SplicePump.run(&leg, rounds: rounds)
        remaining = leg.remaining
        return result
    }
}
