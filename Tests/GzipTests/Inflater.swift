import CZlib

/// Test-only gunzip through zlib's inflate (windowBits 31: gzip framing only), checking
/// that the stream ends exactly at the end of the input (CRC and length verified by zlib).
enum Inflater {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func gunzip(_ input: [UInt8]) throws -> [UInt8] {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deinitialize(count: 1); stream.deallocate() }
        guard czlib_inflateInit2(stream, 31) == Z_OK else { throw Failure(description: "inflateInit2") }
        defer { inflateEnd(stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var ended = false
        try input.withUnsafeBytes { raw in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: raw.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = uInt(raw.count)
            for _ in 0..<1_000_000 {
                let (rc, produced) = chunk.withUnsafeMutableBufferPointer { out -> (Int32, Int) in
                    stream.pointee.next_out = out.baseAddress
                    stream.pointee.avail_out = uInt(out.count)
                    let rc = inflate(stream, Z_NO_FLUSH)
                    return (rc, out.count - Int(stream.pointee.avail_out))
                }
                output.append(contentsOf: chunk[..<produced])
                if rc == Z_STREAM_END { ended = true; return }
                guard rc == Z_OK else { throw Failure(description: "inflate returned \(rc)") }
                if stream.pointee.avail_in == 0 && produced == 0 { return }
            }
        }
        guard ended else { throw Failure(description: "gzip stream truncated") }
        guard stream.pointee.avail_in == 0 else { throw Failure(description: "bytes after the gzip stream") }
        return output
    }
}

extension Inflater {
    /// Everything inflate can produce from a stream that has not ended yet.
    static func gunzipPrefix(_ input: [UInt8]) throws -> [UInt8] {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deinitialize(count: 1); stream.deallocate() }
        guard czlib_inflateInit2(stream, 31) == Z_OK else { throw Failure(description: "inflateInit2") }
        defer { inflateEnd(stream) }
        var output = [UInt8](repeating: 0, count: input.count * 20 + 1024)
        let produced = try input.withUnsafeBytes { raw in
            try output.withUnsafeMutableBufferPointer { out -> Int in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: raw.baseAddress?.assumingMemoryBound(to: Bytef.self))
                stream.pointee.avail_in = uInt(raw.count)
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = uInt(out.count)
                let rc = inflate(stream, Z_SYNC_FLUSH)
                guard rc == Z_OK || rc == Z_STREAM_END else { throw Failure(description: "inflate returned \(rc)") }
                return out.count - Int(stream.pointee.avail_out)
            }
        }
        return Array(output.prefix(produced))
    }
}
