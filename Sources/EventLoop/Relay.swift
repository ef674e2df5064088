import CLinux

/// The bytes of one forwarding direction between reading its source and writing its sink.
/// Resources (a pipe or a copy buffer) are borrowed from the loop only while bytes are in
/// flight, so idle connections hold neither.
protocol Relay: AnyObject {
    /// Bytes read from the source and not yet written to the sink.
    var buffered: Int { get }
    /// Whether `fill` may read more now.
    var hasRoom: Bool { get }
    /// Reads from `source`; `.processed(0)` is end of stream.
    func fill(from source: any ByteStream) throws(SyscallError) -> IOResult<Int>
    /// The last `fill` read fewer bytes than it asked a plain socket for (whether that
    /// emptied the socket is the watcher's to say). Never for a TLS or other stream,
    /// whose reads can be short for their own reasons (records).
    var lastFillDrainedSocket: Bool { get }
    /// Writes buffered bytes to `sink`.
    func drain(to sink: any ByteStream) throws(SyscallError) -> IOResult<Int>
    /// Gives resources back: an empty pipe to the pool, a pipe with bytes left is closed.
    func release()
}

/// socket → pipe → socket with splice(2): the bytes never enter user space. When no pipe
/// can be had (the process is out of descriptors) the bytes go through a pooled copy
/// buffer instead, until that is empty again: a missing pipe never ends a session. Only
/// one of the two holds bytes at a time, so their order is kept.
final class SpliceRelay: Relay {
    private static let flags = CLINUX_SPLICE_F_MOVE | CLINUX_SPLICE_F_NONBLOCK
    private let pool: PipePool
    private var pipe: Pipe?
    private let copy: CopyRelay
    /// Told each time a pipe could not be had and the copying path was taken.
    private let onPipeShortage: ((SyscallError) -> Void)?

    init(pool: PipePool, buffers: BufferPool, onPipeShortage: ((SyscallError) -> Void)? = nil) {
        self.pool = pool
        copy = CopyRelay(pool: buffers)
        self.onPipeShortage = onPipeShortage
    }

    var buffered: Int { (pipe?.buffered ?? 0) + copy.buffered }
    var hasRoom: Bool {
        if copy.buffered > 0 { return copy.hasRoom }
        return pipe.map { $0.room > 0 } ?? true
    }

    private(set) var lastFillDrainedSocket = false

    func fill(from source: any ByteStream) throws(SyscallError) -> IOResult<Int> {
        lastFillDrainedSocket = false
        if copy.buffered > 0 { return try copy.fill(from: source) }
        let pipe: Pipe
        if let current = self.pipe {
            pipe = current
        } else {
            do {
                pipe = try pool.take()
            } catch {
                onPipeShortage?(error)
                return try copy.fill(from: source)
            }
        }
        self.pipe = pipe
        let count = pipe.room
        let result = try Syscall.splice(from: source.readinessDescriptor, to: pipe.writeFD, count: count, flags: Self.flags)
        if case .processed(let n) = result {
            pipe.buffered += n
            lastFillDrainedSocket = n > 0 && n < count
        }
        if pipe.buffered == 0 { giveBack() }
        return result
    }

    func drain(to sink: any ByteStream) throws(SyscallError) -> IOResult<Int> {
        if copy.buffered > 0 { return try copy.drain(to: sink) }
        guard let pipe, pipe.buffered > 0 else { return .processed(0) }
        let result = try Syscall.splice(from: pipe.readFD, to: sink.readinessDescriptor, count: pipe.buffered, flags: Self.flags)
        if case .processed(let n) = result {
            pipe.buffered -= n
            if pipe.buffered == 0 { giveBack() }
        }
        return result
    }

    private func giveBack() {
        if let pipe { pool.recycle(pipe) }
        pipe = nil
    }

    func release() {
        giveBack()
        copy.release()
    }
}

/// read → buffer → write through one pooled buffer: for ends that are not plain sockets.
final class CopyRelay: Relay {
    private let pool: BufferPool
    private var buffer: UnsafeMutableRawBufferPointer?
    private var start = 0
    private var end = 0

    init(pool: BufferPool) { self.pool = pool }

    var buffered: Int { end - start }
    var hasRoom: Bool { buffer.map { end < $0.count } ?? true }
    var lastFillDrainedSocket: Bool { false }

    func fill(from source: any ByteStream) throws(SyscallError) -> IOResult<Int> {
        let buffer = self.buffer ?? pool.take()
        self.buffer = buffer
        let result = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
        if case .processed(let n) = result { end += n }
        if end == start { giveBack() }
        return result
    }

    func drain(to sink: any ByteStream) throws(SyscallError) -> IOResult<Int> {
        guard let buffer, end > start else { return .processed(0) }
        let result = try sink.write(UnsafeRawBufferPointer(rebasing: buffer[start..<end]))
        if case .processed(let n) = result {
            start += n
            if start == end { giveBack() }
        }
        return result
    }

    private func giveBack() {
        if let buffer { pool.recycle(buffer) }
        buffer = nil
        start = 0
        end = 0
    }

    func release() { giveBack() }
}
