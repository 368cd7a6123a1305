// A framed record: the exact bytes of one BSM record (header … trailer) or of a stand-alone
// top-level `file` token, with its absolute offset in the input. Tokens are decoded on demand
// (see Decoder.swift: `tokens()`, `decodeTokens(into:)`, `makeTokenIterator()`).

public struct Record: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// header … trailer, framed by the header's byte count and checked against the trailer.
        case record
        /// A top-level `file` token (auditd writes one at the start and end of each trail).
        case file
    }

    public let kind: Kind
    /// Absolute byte offset of the record's first byte in the input stream.
    public let offset: Int
    /// The record's bytes (shares storage with the input buffer; no copy).
    public let bytes: BSMBytes

    public init(kind: Kind, offset: Int, bytes: BSMBytes) {
        self.kind = kind
        self.offset = offset
        self.bytes = bytes
    }

    /// The id of the first token (a header id, or 0x11 for a file record).
    @inlinable public var firstTokenID: TokenID { TokenID(bytes.isEmpty ? 0 : bytes[0]) }
    /// Length in bytes.
    @inlinable public var count: Int { bytes.count }
}
