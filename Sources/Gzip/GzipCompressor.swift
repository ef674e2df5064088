import CZlib

/// A streaming gzip compressor (RFC 1952 framing through zlib's deflate).
///
/// Feed bytes with `compress(_:into:)` as they arrive, then `finish(into:)` once; output
/// is appended to the caller's array. `reset()` makes it ready for the next body and keeps
/// zlib's allocation (one compressor per connection serves all its responses).
///
/// The `z_stream` lives at a fixed heap address for the compressor's lifetime: zlib keeps a
/// pointer back to it in its internal state, so Swift must never move it (an inout
/// property would be copied around). Not thread-safe: one owner at a time.
public final class GzipCompressor {
    /// Output produced per deflate call.
    static let chunkSize = 16 << 10

    public let level: Int32
    /// Internal, not private: a test breaks it on purpose to see deflate fail.
    let stream: UnsafeMutablePointer<z_stream>
    /// deflate's output lands here first (fixed address, reused), then is appended.
    private let scratch: UnsafeMutableBufferPointer<Bytef>
    private var initialized = false
    private var finished = false

    /// - Parameter level: 0 (store) … 9 (smallest); 6 is zlib's default trade-off.
    public init(level: Int32 = 6) throws(GzipError) {
        precondition((0...9).contains(level), "gzip level must be 0…9")
        self.level = level
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        scratch = .allocate(capacity: Self.chunkSize)
        // windowBits 15 + 16: gzip header and trailer instead of zlib's; memLevel 8 is the default.
        let rc = czlib_deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY)
        guard rc == Z_OK else {
            let error = GzipError(call: "deflateInit2", code: rc, message: Self.message(stream, rc))
            stream.deinitialize(count: 1)
            stream.deallocate()
            scratch.deallocate()
            throw error
        }
        initialized = true
    }

    deinit {
        end()
        stream.deinitialize(count: 1)
        stream.deallocate()
        scratch.deallocate()
    }

    /// Whether `finish` was called since creation or the last `reset`.
    public var isFinished: Bool { finished }

    /// Compresses `input`, appending whatever output zlib has ready (possibly nothing: it
    /// buffers until it has a block's worth).
    public func compress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(GzipError) {
        precondition(initialized, "compressor used after end()")
        precondition(!finished, "compress after finish(); call reset() first")
        guard input.count > 0 else { return }
        try run(input, flush: Z_NO_FLUSH, into: &output)
    }

    /// Convenience for arrays and other contiguous byte collections.
    public func compress(_ input: [UInt8], into output: inout [UInt8]) throws(GzipError) {
        try input.withUnsafeBytes { raw in
            Result { () throws(GzipError) in try compress(raw, into: &output) }
        }.get()
    }

    /// Pushes out everything buffered so far (a sync flush) without ending the stream, so a
    /// streaming response can send what it has; costs a few bytes of ratio per call.
    public func flush(into output: inout [UInt8]) throws(GzipError) {
        precondition(initialized && !finished)
        try run(UnsafeRawBufferPointer(start: nil, count: 0), flush: Z_SYNC_FLUSH, into: &output)
    }

    /// Ends the gzip member: remaining output and the CRC-32/length trailer.
    public func finish(into output: inout [UInt8]) throws(GzipError) {
        precondition(initialized, "compressor used after end()")
        guard !finished else { return }
        try run(UnsafeRawBufferPointer(start: nil, count: 0), flush: Z_FINISH, into: &output)
        finished = true
    }

    /// Starts a new gzip member with the same settings, reusing zlib's memory.
    public func reset() throws(GzipError) {
        precondition(initialized, "compressor used after end()")
        let rc = deflateReset(stream)
        guard rc == Z_OK else { throw GzipError(call: "deflateReset", code: rc, message: Self.message(stream, rc)) }
        finished = false
    }

    /// Releases zlib's memory now; safe to call more than once (deinit calls it too).
    public func end() {
        guard initialized else { return }
        initialized = false
        deflateEnd(stream)
    }

    private func run(_ input: UnsafeRawBufferPointer, flush: Int32, into output: inout [UInt8]) throws(GzipError) {
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        defer {
            // zlib must not keep pointers into buffers it does not own past this call.
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
            stream.pointee.next_out = nil
            stream.pointee.avail_out = 0
        }
        while true {
            stream.pointee.next_out = scratch.baseAddress
            stream.pointee.avail_out = uInt(scratch.count)
            let rc = deflate(stream, flush)
            let produced = scratch.count - Int(stream.pointee.avail_out)
            if produced > 0 { output.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[..<produced])) }
            switch rc {
            case Z_STREAM_END:
                return
            case Z_OK, Z_BUF_ERROR:
                // A full scratch buffer means zlib may have more: go on. Otherwise all input
                // is consumed and (for a flush) everything is out. Z_FINISH goes on until
                // Z_STREAM_END; Z_BUF_ERROR only says no progress was possible.
                if produced == scratch.count { continue }
                if flush == Z_FINISH && rc == Z_OK { continue }
                if stream.pointee.avail_in == 0 { return }
            default:
                throw GzipError(call: "deflate", code: rc, message: Self.message(stream, rc))
            }
        }
    }

    static func message(_ stream: UnsafeMutablePointer<z_stream>, _ rc: Int32) -> String {
        if let msg = stream.pointee.msg { return String(cString: msg) }
        return String(cString: zError(rc))
    }
}
