/// An order-sensitive checksum over a byte stream fed in pieces of any size, so a large
/// body can be checked on both ends without holding it. Equal for equal streams, however split.
public struct StreamChecksum: Sendable, Equatable {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325
    public private(set) var count: Int = 0
    private var carry: UInt64 = 0
    private var carryBytes = 0

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        count += bytes.count
        var i = 0
        let n = bytes.count
        while carryBytes != 0 && i < n {
            addByte(base.load(fromByteOffset: i, as: UInt8.self))
            i += 1
        }
        while i + 8 <= n {
            mix(base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        while i < n {
            addByte(base.load(fromByteOffset: i, as: UInt8.self))
            i += 1
        }
    }

    public mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    /// The checksum including a trailing partial word.
    public var digest: UInt64 {
        var copy = self
        if copy.carryBytes > 0 { copy.mix(copy.carry ^ UInt64(copy.carryBytes) << 56) }
        return copy.value ^ UInt64(count)
    }

    private mutating func addByte(_ b: UInt8) {
        carry |= UInt64(b) << (8 * UInt64(carryBytes))
        carryBytes += 1
        if carryBytes == 8 {
            mix(carry)
            carry = 0
            carryBytes = 0
        }
    }

    @inline(__always) private mutating func mix(_ word: UInt64) {
        value = (value ^ word) &* 0x100_0000_01b3
        value ^= value >> 29
    }
}

/// Deterministic pseudo-random bytes from a seed (splitmix64), generated block by block.
public struct SeededBytes: Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// Fills `buffer` with the next bytes of the sequence (whole 8-byte words; any tail too).
    public mutating func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress else { return }
        var i = 0
        while i + 8 <= buffer.count {
            base.storeBytes(of: next(), toByteOffset: i, as: UInt64.self)
            i += 8
        }
        if i < buffer.count {
            var word = next()
            while i < buffer.count {
                base.storeBytes(of: UInt8(truncatingIfNeeded: word), toByteOffset: i, as: UInt8.self)
                word >>= 8
                i += 1
            }
        }
    }

    private mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
