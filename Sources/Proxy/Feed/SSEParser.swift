/// Server-Sent Events wire format (WHATWG HTML §9.2.6), incrementally: bytes in, events out.
///
/// Lines end in LF, CRLF or CR; `field: value` lines build an event, a blank line
/// dispatches it; `:` lines are comments; unknown fields are ignored. A line longer than
/// `maxLineLength` is dropped whole (and counted) instead of growing memory: a malformed or
/// hostile line never breaks the stream, the next line parses normally.
public struct SSEParser: Sendable {
    public struct Event: Sendable, Equatable {
        public var type: String
        public var data: String
        public var id: String?
    }

    public let maxLineLength: Int
    /// The last `id:` seen (what `Last-Event-ID` sends on reconnect).
    public private(set) var lastEventID: String?
    /// The last valid `retry:` value, in milliseconds.
    public private(set) var retryMilliseconds: Int?
    public private(set) var droppedLines = 0

    private var line: [UInt8] = []
    private var overlong = false
    private var lastWasCR = false
    private var eventType = ""
    private var data: [String] = []
    private var hasData = false

    public init(maxLineLength: Int = 64 * 1024) {
        self.maxLineLength = maxLineLength
    }

    /// Consumes `bytes`; returns the events they completed, in order.
    public mutating func consume<C: Collection>(_ bytes: C) -> [Event] where C.Element == UInt8 {
        var events: [Event] = []
        for byte in bytes {
            if byte == 10 && lastWasCR { lastWasCR = false; continue }  // the LF of a CRLF
            lastWasCR = byte == 13
            if byte == 10 || byte == 13 {
                if overlong {
                    overlong = false
                    droppedLines += 1
                } else if let event = endLine() {
                    events.append(event)
                }
                line.removeAll(keepingCapacity: true)
                continue
            }
            guard !overlong else { continue }
            if line.count >= maxLineLength {
                overlong = true
                line.removeAll(keepingCapacity: true)
                continue
            }
            line.append(byte)
        }
        return events
    }

    private mutating func endLine() -> Event? {
        if line.isEmpty { return dispatch() }
        if line.first == UInt8(ascii: ":") { return nil }  // comment (keep-alive)
        let text = String(decoding: line, as: UTF8.self)
        let field: Substring
        var value: Substring
        if let colon = text.firstIndex(of: ":") {
            field = text[..<colon]
            value = text[text.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
        } else {
            field = Substring(text)
            value = ""
        }
        switch field {
        case "event": eventType = String(value)
        case "data":
            data.append(String(value))
            hasData = true
        case "id" where !value.contains("\0"): lastEventID = String(value)
        case "retry": if let ms = Int(value), ms >= 0 { retryMilliseconds = ms }
        default: break
        }
        return nil
    }

    private mutating func dispatch() -> Event? {
        defer {
            eventType = ""
            data = []
            hasData = false
        }
        guard hasData else { return nil }
        return Event(type: eventType.isEmpty ? "message" : eventType, data: data.joined(separator: "\n"), id: lastEventID)
    }
}
