// libFuzzer entry for the SSE feed parser (scripts/fuzz.sh sse). Checks: no crash; bytes fed
// whole or cut in two at a byte chosen from the input give the same events, the same last
// id, retry and count of dropped lines, with the default line limit and a tiny one.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSSE(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let cut = size == 0 ? 0 : Int(input[size - 1]) * size / 256
    for limit in [64 * 1024, 16] {
        var whole = SSEParser(maxLineLength: limit)
        let expected = whole.consume(input)
        var split = SSEParser(maxLineLength: limit)
        let events = split.consume(input[..<cut]) + split.consume(input[cut...])
        precondition(events == expected, "split at \(cut) gave \(events), whole gave \(expected)")
        precondition(split.lastEventID == whole.lastEventID && split.retryMilliseconds == whole.retryMilliseconds)
        precondition(split.droppedLines == whole.droppedLines, "dropped lines differ")
    }
    return 0
}
