/// How many consecutive check results flip a verdict: `rise` passes turn `down` into `up`,
/// `fall` failures turn `up` into `down`. Both are at least 1.
public struct HealthThresholds: Hashable, Codable, Sendable {
    public var rise: Int
    public var fall: Int

    /// Values below 1 are raised to 1: a threshold of 0 would flip on no evidence.
    public init(rise: Int, fall: Int) {
        self.rise = max(1, rise)
        self.fall = max(1, fall)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            rise: try container.decode(Int.self, forKey: .rise),
            fall: try container.decode(Int.self, forKey: .fall))
    }
}
