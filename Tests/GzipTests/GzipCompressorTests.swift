import Foundation
import Testing
@testable import Gzip

/// Compressible but not trivial: text with a counter, so runs differ.
func sampleText(bytes: Int) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(bytes + 64)
    var i = 0
    while out.count < bytes {
        out.append(contentsOf: Array("{\"line\": \(i), \"message\": \"the quick brown fox \(i % 97)\"}\n".utf8))
        i += 1
    }
    return Array(out.prefix(bytes))
}

/// Incompressible: a xorshift sequence.
func noise(bytes: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
    var x = seed
    return (0..<bytes).map { _ in
        x ^= x << 13; x ^= x >> 7; x ^= x << 17
        return UInt8(truncatingIfNeeded: x)
    }
}

@Suite struct GzipCompressorTests {
    @Test func roundTripInOneCall() throws {
        let input = sampleText(bytes: 200_000)
        let gzip = try GzipCompressor()
        var out: [UInt8] = []
        try gzip.compress(input, into: &out)
        try gzip.finish(into: &out)
        #expect(out.prefix(3) == [0x1f, 0x8b, 8])  // gzip magic, deflate
        #expect(out.count < input.count / 4)
        #expect(try Inflater.gunzip(out) == input)
    }

    @Test func streamingInManySmallPiecesMatchesTheInput() throws {
        let input = sampleText(bytes: 100_000) + noise(bytes: 50_000) + sampleText(bytes: 30_000)
        let gzip = try GzipCompressor()
        var out: [UInt8] = []
        var offset = 0
        var pieceSize = 1
        var pieces = 0
        while offset < input.count {
            let end = min(input.count, offset + pieceSize)
            try input[offset..<end].withUnsafeBytes { try gzip.compress($0, into: &out) }
            offset = end
            pieceSize = pieceSize % 700 + 3  // 1, 4, 7 … bytes: odd sizes crossing every boundary
            pieces += 1
        }
        try gzip.finish(into: &out)
        #expect(pieces > 500)
        #expect(try Inflater.gunzip(out) == input)
    }

    @Test func flushMakesEverythingSoFarDecodable() throws {
        let first = sampleText(bytes: 5000)
        let gzip = try GzipCompressor()
        var out: [UInt8] = []
        try gzip.compress(first, into: &out)
        try gzip.flush(into: &out)
        // After a sync flush a streaming inflater can produce all of `first` already.
        let partial = try Inflater.gunzipPrefix(out)
        #expect(partial == first)
        try gzip.compress(Array("tail".utf8), into: &out)
        try gzip.finish(into: &out)
        #expect(try Inflater.gunzip(out) == first + Array("tail".utf8))
    }

    @Test func emptyInputIsAValidEmptyGzipMember() throws {
        let gzip = try GzipCompressor()
        var out: [UInt8] = []
        try gzip.compress([], into: &out)
        try gzip.finish(into: &out)
        #expect(out.count == 20)  // 10-byte header, empty final block (2), CRC and length (8)
        #expect(try Inflater.gunzip(out) == [])
    }

    @Test func resetStartsAnIndependentMember() throws {
        let gzip = try GzipCompressor(level: 9)
        let a = sampleText(bytes: 10_000)
        let b = noise(bytes: 3000)
        var outA: [UInt8] = []
        try gzip.compress(a, into: &outA)
        try gzip.finish(into: &outA)
        #expect(gzip.isFinished)
        try gzip.reset()
        #expect(!gzip.isFinished)
        var outB: [UInt8] = []
        try gzip.compress(b, into: &outB)
        try gzip.finish(into: &outB)
        #expect(try Inflater.gunzip(outA) == a)
        #expect(try Inflater.gunzip(outB) == b)
    }

    @Test func finishTwiceAddsNothingAndEndIsSafeTwice() throws {
        let gzip = try GzipCompressor()
        var out: [UInt8] = []
        try gzip.compress(sampleText(bytes: 100), into: &out)
        try gzip.finish(into: &out)
        let count = out.count
        try gzip.finish(into: &out)
        #expect(out.count == count)
        gzip.end()
        gzip.end()  // and deinit after it: zlib's state is released once
    }

    @Test func systemGunzipReadsTheOutput() throws {
        let input = sampleText(bytes: 70_000)
        let gzip = try GzipCompressor()
        var out: [UInt8] = []
        try gzip.compress(input, into: &out)
        try gzip.finish(into: &out)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gzip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("body.gz")
        try Data(out).write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-d", "-c", file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect([UInt8](data) == input)
    }
}

/// zlib refusing a call surfaces as a `GzipError` naming it, and nothing is half-appended.
/// zlib only fails on a broken stream, so the test breaks one (no allocator) and mends it.
@Suite struct GzipErrorTests {
    @Test func aDeflateFailureIsAnErrorNamingTheCall() throws {
        let compressor = try GzipCompressor()
        let allocator = compressor.stream.pointee.zalloc
        compressor.stream.pointee.zalloc = nil
        var out: [UInt8] = []
        #expect(throws: GzipError.self) { try compressor.compress(sampleText(bytes: 64 << 10), into: &out) }
        do {
            try compressor.compress(sampleText(bytes: 1024), into: &out)
            Issue.record("no error from a broken stream")
        } catch {
            #expect(error.call == "deflate")
            #expect(error.description.hasPrefix("deflate failed ("))
        }
        #expect(out.isEmpty)
        // Mended, it works again from where it was: the error changed nothing.
        compressor.stream.pointee.zalloc = allocator
        try compressor.compress(Array("hello".utf8), into: &out)
        try compressor.finish(into: &out)
        #expect(try Inflater.gunzip(out) == Array("hello".utf8))
    }
}
