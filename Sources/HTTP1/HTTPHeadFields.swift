/// Slow-path accessors shared by request and response heads: Strings made on demand from
/// the buffer the head was parsed from (the caller must pass that same buffer).
public protocol HTTPHeadFields {
    /// The field lines in order of arrival, as ranges into the parsed buffer.
    var fields: [HTTPField] { get }
}

extension HTTPHeadFields {
    /// The name of `field` as received.
    public func name(of field: HTTPField, in buffer: UnsafeRawBufferPointer) -> String {
        buffer.string(field.name)
    }

    /// The value of `field`, OWS-trimmed.
    public func value(of field: HTTPField, in buffer: UnsafeRawBufferPointer) -> String {
        buffer.string(field.value)
    }

    /// The first field named `name` (ASCII case-insensitive), or nil.
    public func firstField(named name: String, in buffer: UnsafeRawBufferPointer) -> HTTPField? {
        fields.first { Self.nameMatches($0, name, buffer) }
    }

    /// The value of the first field named `name`, or nil.
    public func value(forName name: String, in buffer: UnsafeRawBufferPointer) -> String? {
        firstField(named: name, in: buffer).map { buffer.string($0.value) }
    }

    /// The values of every field named `name`, in order.
    public func values(forName name: String, in buffer: UnsafeRawBufferPointer) -> [String] {
        fields.filter { Self.nameMatches($0, name, buffer) }.map { buffer.string($0.value) }
    }

    private static func nameMatches(_ field: HTTPField, _ name: String, _ buffer: UnsafeRawBufferPointer) -> Bool {
        let r = field.name
        guard name.utf8.count == r.count else { return false }
        var j = r.lowerBound
        for c in name.utf8 {
            if ByteClass.lowercased(buffer[j]) != ByteClass.lowercased(c) { return false }
            j += 1
        }
        return true
    }
}
