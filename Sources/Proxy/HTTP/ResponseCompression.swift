import Gzip
import HTTP1

/// `compress on`: gzips one response body at a time for a client connection and frames the
/// output as chunks. Upstream body bytes arrive as framed (chunked ones are decoded first).
/// The zlib state is made on first use and reused, reset, for the connection's next responses.
final class ResponseCompression {  // confined to the session's loop
    private let compressor: GzipCompressor
    private var dechunker: ChunkedDecoder?
    private var plain: [UInt8] = []
    private var compressed: [UInt8] = []

    init() throws(GzipError) {
        compressor = try GzipCompressor()
    }

    /// The rules of SPEC §3 for one response; the request's values come from `RequestFacts`.
    static func shouldCompress(_ head: HTTPResponseHead, in buffer: UnsafeRawBufferPointer, request: RequestFacts,
                               minSize: Int) -> Bool {
        guard request.acceptEncoding != nil, !request.isHTTP10 else { return false }
        let contentLength: Int?
        switch head.framing {
        case .none: contentLength = 0
        case .contentLength(let n): contentLength = n
        case .chunked, .untilClose: contentLength = nil
        }
        return GzipPolicy.shouldCompress(
            acceptEncoding: request.acceptEncoding, contentEncoding: head.value(forName: "Content-Encoding", in: buffer),
            contentType: head.value(forName: "Content-Type", in: buffer), contentLength: contentLength,
            status: head.status, isRangeResponse: request.hasRange || head.firstField(named: "Content-Range", in: buffer) != nil,
            isUpgrade: head.isUpgrade, isHeadRequest: request.isHead, minSize: minSize)
    }

    /// What of the request decides compression.
    struct RequestFacts {
        var acceptEncoding: String?
        var hasRange = false
        var isHead = false
        var isHTTP10 = false
    }

    /// The forwarded head at `out[start...]` becomes the head of a gzipped, chunked body:
    /// the framing fields go, `Content-Encoding`, `Vary` and `Transfer-Encoding` come.
    static func rewriteHead(_ out: inout [UInt8], from start: Int) {
        let head = Array(out[start...])
        var lines: [ArraySlice<UInt8>] = []
        var lineStart = 0
        var i = 0
        while i + 1 < head.count {
            if head[i] == 13 && head[i + 1] == 10 {
                lines.append(head[lineStart..<i])
                lineStart = i + 2
                i += 2
            } else {
                i += 1
            }
        }
        var rewritten: [UInt8] = []
        rewritten.reserveCapacity(head.count + 80)
        for (index, line) in lines.enumerated() where !line.isEmpty {
            if index > 0 && (hasName(line, "content-length") || hasName(line, "transfer-encoding")) { continue }
            rewritten += line
            rewritten += [13, 10]
        }
        rewritten += Array("Content-Encoding: gzip\r\nVary: Accept-Encoding\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
        out.removeSubrange(start...)
        out += rewritten
    }

    private static func hasName(_ line: ArraySlice<UInt8>, _ name: String) -> Bool {
        let n = name.utf8.count
        guard line.count > n, line[line.startIndex + n] == UInt8(ascii: ":") else { return false }
        var j = line.startIndex
        for c in name.utf8 {
            let b = line[j]
            let lower = (b >= 65 && b <= 90) ? b + 32 : b
            if lower != c { return false }
            j += 1
        }
        return true
    }

    /// A new response body; `chunked`: the upstream frames it in chunks.
    func begin(chunked: Bool) throws(GzipError) {
        if compressor.isFinished { try compressor.reset() }
        dechunker = chunked ? ChunkedDecoder() : nil
    }

    /// Compresses framed upstream body bytes; appends any output as a chunk to `out`.
    func feed(_ raw: UnsafeRawBufferPointer, into out: inout [UInt8]) throws {
        compressed.removeAll(keepingCapacity: true)
        if dechunker != nil {
            plain.removeAll(keepingCapacity: true)
            try dechunker!.decode(raw, into: &plain)
            try compressor.compress(plain, into: &compressed)
        } else {
            try compressor.compress(raw, into: &compressed)
        }
        Self.appendChunk(compressed, to: &out)
    }

    /// The upstream paused: what zlib holds goes out now, so a slow stream is not held back.
    func flush(into out: inout [UInt8]) throws {
        compressed.removeAll(keepingCapacity: true)
        try compressor.flush(into: &compressed)
        Self.appendChunk(compressed, to: &out)
    }

    /// The body ended: the gzip trailer and the last chunk.
    func finish(into out: inout [UInt8]) throws {
        compressed.removeAll(keepingCapacity: true)
        try compressor.finish(into: &compressed)
        Self.appendChunk(compressed, to: &out)
        out += Array("0\r\n\r\n".utf8)
    }

    private static func appendChunk(_ data: [UInt8], to out: inout [UInt8]) {
        guard !data.isEmpty else { return }
        out += Array(String(data.count, radix: 16).utf8)
        out += [13, 10]
        out += data
        out += [13, 10]
    }
}
