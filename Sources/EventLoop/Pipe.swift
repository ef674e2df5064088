import Glibc

/// A kernel pipe used as the splice buffer of one forwarding direction.
/// `buffered` counts the bytes spliced in and not yet out; only an empty pipe is reusable.
final class Pipe {
    private(set) var readFD: CInt
    private(set) var writeFD: CInt
    let capacity: Int
    var buffered = 0

    init(preferredSize: Int) throws(SyscallError) {
        let fds = try Syscall.pipe()
        readFD = fds.read
        writeFD = fds.write
        // 1 MiB pipes moved 18.7 vs 15.8 Gbit/s for 64 KiB (DESIGN.md); the kernel may
        // refuse (pipe-max-size, per-user pipe-user-pages-soft): keep the default then.
        if preferredSize > 0, let set = try? Syscall.setPipeSize(fds.write, preferredSize) {
            capacity = set
        } else {
            capacity = (try? Syscall.pipeSize(fds.write)) ?? 65536
        }
    }

    var room: Int { capacity - buffered }
    var isOpen: Bool { readFD >= 0 }

    func close() {
        guard readFD >= 0 else { return }
        try? Syscall.close(readFD)
        try? Syscall.close(writeFD)
        readFD = -1
        writeFD = -1
    }

    deinit { close() }
}

/// Idle, empty pipes of one loop (confined to its queue). Connections borrow a pipe
/// only while bytes are in flight, so idle connections hold none.
final class PipePool {
    let preferredSize: Int
    let maxIdle: Int
    private var idle: [Pipe] = []
    private(set) var created = 0
    /// Pipes made beyond this many fail as `pipe2` does at the descriptor limit (tests).
    var creationLimit = Int.max

    init(preferredSize: Int, maxIdle: Int = 128) {
        self.preferredSize = preferredSize
        self.maxIdle = maxIdle
    }

    var idleCount: Int { idle.count }

    func take() throws(SyscallError) -> Pipe {
        if let pipe = idle.popLast() { return pipe }
        guard created < creationLimit else { throw SyscallError(call: "pipe2", errno: .tooManyOpenFiles) }
        created += 1
        return try Pipe(preferredSize: preferredSize)
    }

    /// Pools an empty pipe; closes one that still holds bytes or when the pool is full.
    func recycle(_ pipe: Pipe) {
        if pipe.buffered == 0, pipe.isOpen, idle.count < maxIdle {
            idle.append(pipe)
        } else {
            pipe.close()
        }
    }

    /// Closes every idle pipe (loop shutdown, tests).
    func drain() {
        for pipe in idle { pipe.close() }
        idle.removeAll()
    }
}

/// Copy buffers of one loop (confined to its queue), borrowed while bytes are in flight.
final class BufferPool {
    let bufferSize: Int
    let maxIdle: Int
    private var idle: [UnsafeMutableRawBufferPointer] = []

    init(bufferSize: Int, maxIdle: Int = 64) {
        self.bufferSize = bufferSize
        self.maxIdle = maxIdle
    }

    func take() -> UnsafeMutableRawBufferPointer {
        idle.popLast() ?? .allocate(byteCount: bufferSize, alignment: 16)
    }

    func recycle(_ buffer: UnsafeMutableRawBufferPointer) {
        if idle.count < maxIdle { idle.append(buffer) } else { buffer.deallocate() }
    }

    deinit { for b in idle { b.deallocate() } }
}
