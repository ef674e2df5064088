import Testing
@testable import HTTP1

/// Deterministic random numbers for split positions (SplitMix64), so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E4B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// Parses `input` in one call with a fresh parser.
func parseRequest(_ input: [UInt8], limits: HTTPParserLimits = .requestDefault) -> HTTPParseResult<HTTPRequestHead> {
    var parser = HTTPRequestParser(limits: limits)
    return input.withUnsafeBytes { parser.parse($0) }
}

func parseRequest(_ input: String, limits: HTTPParserLimits = .requestDefault) -> HTTPParseResult<HTTPRequestHead> {
    parseRequest(bytes(input), limits: limits)
}

func parseResponse(_ input: String, method: HTTPMethod = .get) -> HTTPParseResult<HTTPResponseHead> {
    var parser = HTTPResponseParser()
    return bytes(input).withUnsafeBytes { parser.parse($0, requestMethod: method) }
}

/// The head of a request that must parse, or nil (and a recorded failure by the caller's #expect).
func requestHead(_ input: String) -> HTTPRequestHead? {
    if case .complete(let head, _) = parseRequest(input) { return head }
    return nil
}

func responseHead(_ input: String, method: HTTPMethod = .get) -> HTTPResponseHead? {
    if case .complete(let head, _) = parseResponse(input, method: method) { return head }
    return nil
}

func requestError(_ input: String) -> HTTPParseError? {
    if case .error(let e) = parseRequest(input) { return e }
    return nil
}

/// Feeds growing prefixes of `input` ending at `cuts` (then the whole), as an event loop
/// would after each read, and returns the first result that is not `.needMore`.
func parseRequestIncrementally(_ input: [UInt8], cuts: [Int], limits: HTTPParserLimits = .requestDefault) -> HTTPParseResult<HTTPRequestHead> {
    var parser = HTTPRequestParser(limits: limits)
    for end in cuts.sorted() + [input.count] {
        let r = input.withUnsafeBytes { parser.parse(UnsafeRawBufferPointer(rebasing: $0[0..<end])) }
        if r != .needMore { return r }
    }
    return .needMore
}

func parseResponseIncrementally(_ input: [UInt8], cuts: [Int], method: HTTPMethod) -> HTTPParseResult<HTTPResponseHead> {
    var parser = HTTPResponseParser()
    for end in cuts.sorted() + [input.count] {
        let r = input.withUnsafeBytes { parser.parse(UnsafeRawBufferPointer(rebasing: $0[0..<end]), requestMethod: method) }
        if r != .needMore { return r }
    }
    return .needMore
}

/// Cut sets: every byte, and `count` random sets from a fixed seed.
func cutSets(length: Int, randomSets count: Int = 20, seed: UInt64 = 42) -> [[Int]] {
    var sets: [[Int]] = [Array(0..<length)]
    var rng = SplitMix64(seed: seed &+ UInt64(length))
    for _ in 0..<count where length > 0 {
        let n = Int.random(in: 1...min(length, 8), using: &rng)
        sets.append((0..<n).map { _ in Int.random(in: 0...length, using: &rng) })
    }
    return sets
}

/// Frames a whole body with a fresh chunked framer, delivering it in pieces ending at `cuts`.
/// Returns the total consumed when complete, or the error, or nil when it needs more.
enum FramerOutcome: Equatable {
    case complete(consumed: Int)
    case needMore
    case error(HTTPParseError)
}

func frameChunked(_ input: [UInt8], cuts: [Int] = [], maxExtensionLength: Int = 4096, maxTrailerSize: Int = 16 * 1024) -> FramerOutcome {
    var framer = ChunkedBodyFramer(maxExtensionLength: maxExtensionLength, maxTrailerSize: maxTrailerSize)
    var start = 0
    var total = 0
    for end in cuts.sorted() + [input.count] where end >= start {
        let r = input.withUnsafeBytes { framer.consume(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
        switch r {
        case .needMore(let n):
            #expect(n == end - start)
            total += n
        case .complete(let n):
            return .complete(consumed: total + n)
        case .error(let e):
            return .error(e)
        }
        start = end
    }
    return .needMore
}
