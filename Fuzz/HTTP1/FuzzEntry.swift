// libFuzzer entry for the HTTP1 sources, compiled together with them by scripts/fuzz-http1.sh
// (so internal API is visible). Checks: no crash, and input split in two at a byte chosen
// from the input gives the same result as the whole, for both head parsers and the chunked
// framer; a forwarded request head parses back to the same framing.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTP1(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let cut = size == 0 ? 0 : Int(data[size - 1]) * size / 256
    let tight = HTTPParserLimits(maxHeadSize: 256, maxHeaders: 8)
    for limits in [HTTPParserLimits.requestDefault, tight] {
        checkRequest(input, cut: cut, limits: limits)
    }
    checkResponse(input, cut: cut)
    checkChunked(input, cut: cut)
    return 0
}

private func prefix(_ b: UnsafeRawBufferPointer, _ n: Int) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(rebasing: b[0..<n])
}

private func checkRequest(_ input: UnsafeRawBufferPointer, cut: Int, limits: HTTPParserLimits) {
    var whole = HTTPRequestParser(limits: limits)
    let expected = whole.parse(input)
    var split = HTTPRequestParser(limits: limits)
    var result = split.parse(prefix(input, cut))
    if result == .needMore { result = split.parse(input) }
    precondition(result == expected, "request: split at \(cut) gave \(result), whole gave \(expected)")

    guard case .complete(let head, let length) = expected else { return }
    precondition(length <= input.count && head.startLine.upperBound <= length)
    for f in head.fields { precondition(f.name.upperBound <= length && f.value.upperBound <= length) }
    _ = head.methodString(in: input)
    _ = head.value(forName: "host", in: input)
    var out: [UInt8] = []
    head.writeForwarded(from: input, clientAddress: "192.0.2.1", forwardedProto: "http",
                        connection: head.isUpgrade ? .upgrade : .keepAlive, into: &out)
    var again = HTTPRequestParser(limits: HTTPParserLimits(maxHeadSize: 1 << 20, maxHeaders: 1000))
    let reparsed = out.withUnsafeBytes { again.parse($0) }
    guard case .complete(let head2, let length2) = reparsed else {
        preconditionFailure("forwarded head did not parse: \(reparsed)")
    }
    precondition(length2 == out.count && head2.framing == head.framing && head2.method == head.method,
                 "forwarded head changed framing or method")
}

private func checkResponse(_ input: UnsafeRawBufferPointer, cut: Int) {
    let methods: [HTTPMethod] = [.get, .head, .connect, .post]
    let method = methods[cut % methods.count]
    var whole = HTTPResponseParser()
    let expected = whole.parse(input, requestMethod: method)
    var split = HTTPResponseParser()
    var result = split.parse(prefix(input, cut), requestMethod: method)
    if result == .needMore { result = split.parse(input, requestMethod: method) }
    precondition(result == expected, "response: split at \(cut) gave \(result), whole gave \(expected)")
    if case .complete(let head, _) = expected {
        var out: [UInt8] = []
        head.writeForwarded(from: input, connection: .close, into: &out)
    }
}

private func checkChunked(_ input: UnsafeRawBufferPointer, cut: Int) {
    var whole = ChunkedBodyFramer(maxExtensionLength: 64, maxTrailerSize: 128)
    let expected = whole.consume(input)
    var split = ChunkedBodyFramer(maxExtensionLength: 64, maxTrailerSize: 128)
    var result = split.consume(prefix(input, cut))
    if case .needMore(let n) = result {
        precondition(n == cut)
        switch split.consume(UnsafeRawBufferPointer(rebasing: input[cut...])) {
        case .needMore(let m): result = .needMore(consumed: n + m)
        case .complete(let m): result = .complete(consumed: n + m)
        case .error(let e): result = .error(e)
        }
    }
    precondition(result == expected, "chunked: split at \(cut) gave \(result), whole gave \(expected)")
}
