// A damaged region of a BSM byte stream, as RecordReader reports it (RecordReader.swift says how
// damage is found and reported).

/// A damaged region of the input: what was wrong where, and how many bytes were skipped.
public struct Damage: Error, Hashable, Sendable, CustomStringConvertible {
    /// Absolute offset where the damaged region starts.
    public var offset: Int
    /// The first problem found there (its own offset may point inside the region, e.g. at a trailer).
    public var error: DecodeError
    /// Bytes skipped, from `offset` to the next valid record (or the end of input).
    public var skipped: Int
    /// Absolute offset where reading resumed (the next valid record, or the end of input).
    public var resumeOffset: Int { offset + skipped }

    public init(offset: Int, error: DecodeError, skipped: Int) {
        self.offset = offset
        self.error = error
        self.skipped = skipped
    }

    public var description: String { "offset \(offset): " + reasonText }

    /// What was wrong and how much was skipped, without the region's own offset (which callers
    /// show in their own way): `bad token id 0xde (at offset 12); skipped 6 bytes`.
    public var reasonText: String {
        var s = error.reasonText
        if error.offset != offset { s += " (at offset \(error.offset))" }
        return s + "; skipped \(skipped) byte\(skipped == 1 ? "" : "s")"
    }
}
