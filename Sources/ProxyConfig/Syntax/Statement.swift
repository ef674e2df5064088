/// One directive of the block syntax: `name args… ;` or `name args… { statements }`.
struct Statement: Sendable, Equatable {
    var name: Token
    var arguments: [Token]
    /// The statements between `{` and `}`; nil for a `;` directive.
    var block: [Statement]?

    var location: SourceLocation { name.location }
    var text: String { name.text }
}
