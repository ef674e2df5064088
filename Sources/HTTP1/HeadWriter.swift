/// What to say in the `Connection` field of a forwarded head.
public enum ForwardedConnection: Equatable, Hashable, Sendable {
    case keepAlive
    case close
    /// Keeps the `Upgrade` field and sends `Connection: upgrade`.
    case upgrade
}

extension HTTPRequestHead {
    /// Appends the head to send upstream to `out` (which the caller clears and reuses):
    /// the request line as received, every field except hop-by-hop ones and those named in
    /// `Connection` (never Host/Content-Length/Transfer-Encoding), then `X-Forwarded-For`
    /// (existing values, then `clientAddress`), `X-Forwarded-Proto` (replacing any received),
    /// `Via` (existing values, then `<version> failover-proxy`) and `Connection`.
    public func writeForwarded(
        from buffer: UnsafeRawBufferPointer, clientAddress: String, forwardedProto: String,
        connection: ForwardedConnection, into out: inout [UInt8]
    ) {
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[startLine]))
        out.append(contentsOf: HeadWriter.crlf)
        HeadWriter.writeEndToEndFields(fields, buffer, connection: connection, dropping: .xForwardedProto, into: &out)
        HeadWriter.writeAppended(.xForwardedFor, "X-Forwarded-For: ", fields, buffer, into: &out) {
            $0.append(contentsOf: clientAddress.utf8)
        }
        out.append(contentsOf: "X-Forwarded-Proto: ".utf8)
        out.append(contentsOf: forwardedProto.utf8)
        out.append(contentsOf: HeadWriter.crlf)
        HeadWriter.writeVia(version, fields, buffer, into: &out)
        HeadWriter.writeConnection(connection, into: &out)
        out.append(contentsOf: HeadWriter.crlf)
    }
}

extension HTTPResponseHead {
    /// Appends the head to send to the client to `out`: the status line as received, every
    /// field except hop-by-hop ones and those named in `Connection`, then `Via` and `Connection`.
    public func writeForwarded(from buffer: UnsafeRawBufferPointer, connection: ForwardedConnection, into out: inout [UInt8]) {
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[startLine]))
        out.append(contentsOf: HeadWriter.crlf)
        HeadWriter.writeEndToEndFields(fields, buffer, connection: connection, dropping: nil, into: &out)
        HeadWriter.writeVia(version, fields, buffer, into: &out)
        HeadWriter.writeConnection(connection, into: &out)
        out.append(contentsOf: HeadWriter.crlf)
    }

}

enum HeadWriter {
    static let crlf: StaticString = "\r\n"

    static func writeEndToEndFields(
        _ fields: [HTTPField], _ b: UnsafeRawBufferPointer, connection: ForwardedConnection,
        dropping extra: HTTPFieldKind?, into out: inout [UInt8]
    ) {
        let namedByConnection = hasFieldNamingToken(fields, b)
        // Consecutive kept CRLF lines are copied as one block: usually the whole field section
        // goes out in a few copies.
        var run = 0..<0
        for f in fields {
            let keep: Bool
            switch f.kind {
            case .upgrade where connection == .upgrade:
                keep = true
            case .xForwardedFor, .via:
                keep = false // written combined, with our value appended
            case .xFailoverEpoch:
                keep = false // the proxy's own (cluster mode): never passed on from a client or a server
            case let k where k.isHopByHop || k == extra:
                keep = false
            default:
                keep = !(namedByConnection && !f.kind.isProtectedFromConnectionTokens && isNamedByConnection(f, fields, b))
            }
            if keep && f.endsWithCRLF {
                let line = f.rawLine
                if run.isEmpty { run = line } else if run.upperBound == line.lowerBound { run = run.lowerBound..<line.upperBound }
                else { append(run, b, into: &out); run = line }
                continue
            }
            append(run, b, into: &out)
            run = 0..<0
            if keep {
                // A bare-LF line (lenient responses): sent with CRLF.
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[f.line]))
                out.append(contentsOf: crlf)
            }
        }
        append(run, b, into: &out)
    }

    @inline(__always) private static func append(_ r: Range<Int>, _ b: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        if !r.isEmpty { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[r])) }
    }

    /// Whether some `Connection` token may name a field we would otherwise forward: `close`,
    /// `keep-alive` and `upgrade` name only hop-by-hop fields, so the common case skips the per-field check.
    private static func hasFieldNamingToken(_ fields: [HTTPField], _ b: UnsafeRawBufferPointer) -> Bool {
        var found = false
        for c in fields where c.kind == .connection {
            b.forEachListElement(in: c.value) { t in
                if t.isEmpty || b.equalsIgnoringCase(t, "close") || b.equalsIgnoringCase(t, "keep-alive") || b.equalsIgnoringCase(t, "upgrade") {
                    return true
                }
                found = true
                return false
            }
            if found { return true }
        }
        return false
    }

    /// Whether a `Connection` token names this field (RFC 9110 §7.6.1).
    static func isNamedByConnection(_ f: HTTPField, _ fields: [HTTPField], _ b: UnsafeRawBufferPointer) -> Bool {
        var named = false
        for c in fields where c.kind == .connection {
            b.forEachListElement(in: c.value) { token in
                if b.equalsIgnoringCase(token, f.name) { named = true; return false }
                return true
            }
            if named { return true }
        }
        return false
    }

    /// One `name: existing, values, ours` line, so readers of the first field see the whole chain.
    static func writeAppended(
        _ kind: HTTPFieldKind, _ name: StaticString, _ fields: [HTTPField], _ b: UnsafeRawBufferPointer,
        into out: inout [UInt8], ours: (inout [UInt8]) -> Void
    ) {
        out.append(contentsOf: name)
        for f in fields where f.kind == kind && !f.value.isEmpty && !isNamedByConnection(f, fields, b) {
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[f.value]))
            out.append(contentsOf: ", ".utf8)
        }
        ours(&out)
        out.append(contentsOf: crlf)
    }

    static func writeVia(_ version: HTTPVersion, _ fields: [HTTPField], _ b: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        writeAppended(.via, "Via: ", fields, b, into: &out) {
            // received-protocol is the version the message arrived with (RFC 9110 §7.6.3).
            $0.append(contentsOf: version.protocolVersion)
            $0.append(contentsOf: " failover-proxy".utf8)
        }
    }

    static func writeConnection(_ connection: ForwardedConnection, into out: inout [UInt8]) {
        switch connection {
        case .keepAlive: out.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        case .close: out.append(contentsOf: "Connection: close\r\n".utf8)
        case .upgrade: out.append(contentsOf: "Connection: upgrade\r\n".utf8)
        }
    }
}

extension Array where Element == UInt8 {
    @inline(__always) mutating func append(contentsOf s: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }
}
