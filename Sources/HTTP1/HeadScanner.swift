/// The part of head parsing shared by requests and responses: finds lines incrementally
/// (resuming where the last call stopped), enforces the size and count limits, parses field
/// lines into ranges. The start line is handed back to the caller to parse.
struct HeadScanner {
    enum Line {
        /// The first non-empty line (leading empty lines are skipped, RFC 9112 §2.2).
        case startLine(Range<Int>)
        /// A field line, already parsed and appended to `fields`.
        case field
        /// The empty line ending the head; `headLength` counts everything up to its LF.
        case end(headLength: Int)
        case needMore
        case error(HTTPParseError)
    }

    let limits: HTTPParserLimits
    /// Start of the line not yet processed.
    private var lineStart = 0
    /// Where the LF search resumes: bytes before it, past `lineStart`, hold no LF.
    private var searchFrom = 0
    private var sawStartLine = false
    var fields: [HTTPField]

    /// Field capacity reserved at a head's first field: most heads fit, one allocation.
    static let initialFieldCapacity = 16

    init(limits: HTTPParserLimits) {
        self.limits = limits
        fields = []
    }

    mutating func reset() {
        lineStart = 0
        searchFrom = 0
        sawStartLine = false
        fields = []
    }

    /// The fields of the finished head, moved out: between heads (an idle keep-alive
    /// connection) the scanner holds no storage. (Reserving 128 fields up front and keeping
    /// them cost every idle connection 2.4 KiB.)
    mutating func takeFields() -> [HTTPField] {
        defer { fields = [] }
        return fields
    }

    /// The next complete line of `buffer` (the whole head received so far). Only the first
    /// `maxHeadSize` bytes are looked at, so the outcome never depends on how input was split.
    mutating func nextLine(_ buffer: UnsafeRawBufferPointer) -> Line {
        let limit = min(buffer.count, limits.maxHeadSize)
        while true {
            guard let lf = buffer.firstIndex(of: ByteClass.lf, from: max(lineStart, searchFrom), to: limit) else {
                searchFrom = max(limit, lineStart)
                return buffer.count >= limits.maxHeadSize ? .error(.headTooLarge) : .needMore
            }
            var contentEnd = lf
            if lf > lineStart, buffer[lf - 1] == ByteClass.cr {
                contentEnd = lf - 1
            } else if !limits.allowsBareLF {
                return .error(.bareLineFeed)
            }
            let line = lineStart..<contentEnd
            lineStart = lf + 1
            if !sawStartLine {
                if line.isEmpty { continue }
                sawStartLine = true
                return .startLine(line)
            }
            if line.isEmpty { return .end(headLength: lf + 1) }
            if let error = parseField(buffer, line, lineEnd: lf + 1, endsWithCRLF: contentEnd != lf) { return .error(error) }
            return .field
        }
    }

    /// field-line = field-name ":" OWS field-value OWS (RFC 9112 §5).
    private mutating func parseField(_ b: UnsafeRawBufferPointer, _ line: Range<Int>, lineEnd: Int, endsWithCRLF: Bool) -> HTTPParseError? {
        if ByteClass.isOWS(b[line.lowerBound]) { return .obsoleteLineFolding }
        var i = line.lowerBound
        while i < line.upperBound, ByteClass.isTChar(b[i]) { i += 1 }
        guard i < line.upperBound else { return .invalidFieldName }
        let c = b[i]
        if c != ByteClass.colon { return ByteClass.isOWS(c) ? .whitespaceBeforeColon : .invalidFieldName }
        if i == line.lowerBound { return .invalidFieldName }
        let name = line.lowerBound..<i
        i += 1
        while i < line.upperBound, ByteClass.isOWS(b[i]) { i += 1 }
        let valueStart = i
        var valueEnd = i
        while i < line.upperBound {
            let v = b[i]
            if ByteClass.isForbiddenInValue(v) { return .invalidFieldValue }
            i += 1
            if !ByteClass.isOWS(v) { valueEnd = i }
        }
        if fields.count >= limits.maxHeaders { return .tooManyHeaders }
        if fields.capacity == 0 { fields.reserveCapacity(min(limits.maxHeaders, Self.initialFieldCapacity)) }
        fields.append(HTTPField(name: name, value: valueStart..<valueEnd, lineEnd: lineEnd, endsWithCRLF: endsWithCRLF,
                                kind: HTTPFieldKind.classify(b, name)))
        return nil
    }
}
