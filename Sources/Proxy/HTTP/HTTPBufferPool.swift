/// Per-loop free list of equally sized raw buffers. A connection holds one only while it
/// has unsent or unparsed bytes, so idle keep-alive connections cost no buffer memory.
final class HTTPBufferPool {  // confined to one loop
    let bufferSize: Int
    private var free: [UnsafeMutableRawPointer] = []
    /// Buffers kept for reuse; beyond this, returned buffers are freed.
    private let maxFree: Int
    /// Buffers taken and not given back: what connections hold now (for tests and metrics).
    private(set) var lent = 0

    init(bufferSize: Int, maxFree: Int = 256) {
        self.bufferSize = bufferSize
        self.maxFree = maxFree
    }

    deinit { for p in free { p.deallocate() } }

    func take() -> UnsafeMutableRawPointer {
        lent += 1
        return free.popLast() ?? UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 16)
    }

    /// Takes back a buffer of `size` bytes; one of another size (made before a reload
    /// changed the size) is freed instead.
    func give(_ pointer: UnsafeMutableRawPointer, size: Int) {
        // Only this pool's size was lent by it (a reload replaces the pool with a larger one).
        if size == bufferSize { lent -= 1 }
        if size == bufferSize && free.count < maxFree { free.append(pointer) } else { pointer.deallocate() }
    }
}

/// The bytes read from one socket and not yet forwarded or parsed: `[start, end)` of a
/// pooled buffer. Heads are parsed in place from `start`; bodies are written from it.
struct IOBuffer {
    private(set) var base: UnsafeMutableRawPointer?
    var start = 0
    var end = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    var isEmpty: Bool { start == end }
    var count: Int { end - start }
    var hasRoom: Bool { end < capacity }

    /// The unconsumed bytes.
    var readable: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base.map { UnsafeRawPointer($0) + start }, count: end - start)
    }

    func bytes(_ offset: Int, _ count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: UnsafeRawPointer(base!) + start + offset, count: count)
    }

    /// Free space after `end`, moving the unconsumed bytes to the front first when that helps.
    mutating func writableTail(_ pool: HTTPBufferPool) -> UnsafeMutableRawBufferPointer {
        if base == nil {
            precondition(pool.bufferSize >= capacity, "buffer pool smaller than the connection's buffer")
            base = pool.take()
        }
        if start > 0 && (start == end || capacity - end < 4096) { compact() }
        return UnsafeMutableRawBufferPointer(start: base! + end, count: capacity - end)
    }

    mutating func compact() {
        guard let base, start > 0 else { return }
        let n = end - start
        if n > 0 { base.copyMemory(from: base + start, byteCount: n) }
        start = 0
        end = n
    }

    mutating func consume(_ n: Int) {
        start += n
        if start == end { start = 0; end = 0 }
    }

    /// Gives the buffer back to the pool when it holds nothing.
    mutating func releaseIfEmpty(_ pool: HTTPBufferPool) {
        guard start == end, let base else { return }
        pool.give(base, size: capacity)
        self.base = nil
        start = 0
        end = 0
    }

    mutating func release(_ pool: HTTPBufferPool) {
        if let base { pool.give(base, size: capacity) }
        base = nil
        start = 0
        end = 0
    }
}
