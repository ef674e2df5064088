/// "Did you mean" for misspelt names: the closest known name by edit distance.
enum Suggestion {
    /// The nearest of `candidates` within two edits (a swap of neighbours counts as one),
    /// and fewer edits than the name has characters; nil when none is that close.
    static func nearest(to name: String, in candidates: [String]) -> String? {
        let word = Array(name)
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let other = Array(candidate)
            // The distance is at least the difference in length: a long unknown word (a
            // pasted line, say) costs no table at all.
            guard abs(word.count - other.count) <= 2 else { continue }
            let distance = editDistance(word, other)
            if distance <= 2, distance < word.count, distance < (best?.distance ?? .max) {
                best = (candidate, distance)
            }
        }
        return best?.name
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        editDistance(Array(a), Array(b))
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and
    /// transpositions of adjacent characters each cost one. One flat table, row by row.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        let width = b.count + 1
        var table = [Int](repeating: 0, count: (a.count + 1) * width)
        for i in 0...a.count { table[i * width] = i }
        for j in 0...b.count { table[j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var cell = min(table[(i - 1) * width + j] + 1, table[i * width + j - 1] + 1,
                               table[(i - 1) * width + j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    cell = min(cell, table[(i - 2) * width + j - 2] + 1)
                }
                table[i * width + j] = cell
            }
        }
        return table[a.count * width + b.count]
    }
}
