#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte classes of RFC 9110 §5.6 as branch-light bit tests, so the hot path needs no tables
/// (a global array would cost a lazy-initialisation check per access).
enum ByteClass {
    // Computed, not stored: a stored static would go through a global accessor on every use.
    static var cr: UInt8 { 0x0D }
    static var lf: UInt8 { 0x0A }
    static var sp: UInt8 { 0x20 }
    static var htab: UInt8 { 0x09 }
    static var colon: UInt8 { 0x3A }
    static var comma: UInt8 { 0x2C }
    static var semicolon: UInt8 { 0x3B }

    /// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    @inline(__always) static func isTChar(_ b: UInt8) -> Bool {
        if b < 64 { return (0x03FF_6CFA_0000_0000 as UInt64) >> UInt64(b) & 1 == 1 }
        if b < 128 { return (0x57FF_FFFF_C7FF_FFFE as UInt64) >> UInt64(b &- 64) & 1 == 1 }
        return false
    }

    /// OWS = *( SP / HTAB )
    @inline(__always) static func isOWS(_ b: UInt8) -> Bool { b == sp || b == htab }

    /// Controls (except HTAB) and DEL: never allowed inside a field value or a start line.
    @inline(__always) static func isForbiddenInValue(_ b: UInt8) -> Bool {
        (b < 0x20 && b != htab) || b == 0x7F
    }

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }

    @inline(__always) static func lowercased(_ b: UInt8) -> UInt8 {
        b &- 0x41 < 26 ? b | 0x20 : b
    }

    /// Value of a hex digit, or nil.
    @inline(__always) static func hexValue(_ b: UInt8) -> UInt8? {
        if b &- 0x30 < 10 { return b &- 0x30 }
        let l = b | 0x20
        if l &- 0x61 < 6 { return l &- 0x61 &+ 10 }
        return nil
    }
}

extension UnsafeRawBufferPointer {
    /// Offset of the first `byte` in `from..<to`, or nil. memchr is vectorised by libc.
    @inline(__always) func firstIndex(of byte: UInt8, from: Int, to: Int) -> Int? {
        guard from < to, let base = baseAddress else { return nil }
        guard let hit = memchr(base + from, Int32(byte), to - from) else { return nil }
        return UnsafeRawPointer(hit) - base
    }

    /// Whether `self[range]` equals `lowercaseLiteral` ignoring ASCII case; the literal must be lowercase.
    @inline(__always) func equalsIgnoringCase(_ range: Range<Int>, _ lowercaseLiteral: StaticString) -> Bool {
        let count = lowercaseLiteral.utf8CodeUnitCount
        guard range.count == count else { return false }
        let literal = lowercaseLiteral.utf8Start
        var i = 0
        while i < count {
            if ByteClass.lowercased(self[range.lowerBound + i]) != literal[i] { return false }
            i += 1
        }
        return true
    }

    /// Whether two ranges of this buffer are equal ignoring ASCII case.
    @inline(__always) func equalsIgnoringCase(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
        guard a.count == b.count else { return false }
        var i = 0
        while i < a.count {
            if ByteClass.lowercased(self[a.lowerBound + i]) != ByteClass.lowercased(self[b.lowerBound + i]) { return false }
            i += 1
        }
        return true
    }

    /// `range` with OWS removed at both ends.
    @inline(__always) func trimmingOWS(_ range: Range<Int>) -> Range<Int> {
        var lo = range.lowerBound, hi = range.upperBound
        while lo < hi, ByteClass.isOWS(self[lo]) { lo += 1 }
        while hi > lo, ByteClass.isOWS(self[hi - 1]) { hi -= 1 }
        return lo..<hi
    }

    /// Calls `body` with each element of the comma-separated list in `range`, OWS-trimmed;
    /// empty elements are passed too (callers decide whether they matter). Stops when `body` returns false.
    @inline(__always) func forEachListElement(in range: Range<Int>, _ body: (Range<Int>) -> Bool) {
        var start = range.lowerBound
        while true {
            let end = firstIndex(of: ByteClass.comma, from: start, to: range.upperBound) ?? range.upperBound
            if !body(trimmingOWS(start..<end)) { return }
            if end >= range.upperBound { return }
            start = end + 1
        }
    }

    func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: self[range]), as: UTF8.self)
    }
}
