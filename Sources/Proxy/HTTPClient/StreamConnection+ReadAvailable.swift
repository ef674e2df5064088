import EventLoop

/// Why `readAvailable` stopped.
enum ReadStop {
    /// Nothing more to read now (or the wake-up's budget is spent): wait for the next event.
    case wouldBlock
    /// The handler asked to stop.
    case stopped
    case eof
    case error(SyscallError)
}

extension StreamConnection {
    /// Reads what has arrived, in at most 16 reads of 16 KiB (readiness is reported again
    /// while data waits), handing each piece to `handle`, which answers false to stop.
    func readAvailable(_ handle: (ArraySlice<UInt8>) -> Bool) -> ReadStop {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        for _ in 0..<16 {
            switch buffer.withUnsafeMutableBytes({ read(into: $0) }) {
            case .bytes(let n):
                guard handle(buffer[0..<n]) else { return .stopped }
            case .wouldBlock: return .wouldBlock
            case .eof: return .eof
            case .error(let error): return .error(error)
            }
        }
        return .wouldBlock
    }
}
