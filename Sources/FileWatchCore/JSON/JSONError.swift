// Errors and limits of the project's one JSON scanner (JSONScanner.swift).

/// What kind of JSON value starts at the scanner's position.
public enum JSONValueKind: String, Sendable, Equatable {
    case object, array, string, number, bool, null
}

/// How much the scanner accepts: nesting depth and input size. Exceeding either is an error with
/// the offset where it happened, never a crash or unbounded work.
public struct JSONLimits: Sendable, Equatable {
    /// The deepest nesting of objects and arrays (the top-level value's container is depth 1).
    /// Capped at `JSONLimits.maximumDepth`.
    public var maxDepth: Int
    /// The largest input one scanner accepts, in bytes.
    public var maxInputBytes: Int

    /// The hard cap on `maxDepth` (skipping recurses once per level; this bounds the stack).
    public static let maximumDepth = 1024

    public init(maxDepth: Int = 128, maxInputBytes: Int = 64 << 20) {
        self.maxDepth = max(1, min(maxDepth, JSONLimits.maximumDepth))
        self.maxInputBytes = max(0, maxInputBytes)
    }
}

/// A JSON syntax or limit error, with the byte offset where it was found (counted from the start
/// of the input as given by the scanner's `baseOffset`: a file offset when the caller passes one).
public struct JSONError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        /// The input ended where `expected` was needed (a truncated document).
        case unexpectedEnd(expected: String)
        /// `byte` is not allowed here; `expected` says what is.
        case unexpectedByte(UInt8, expected: String)
        /// A raw control character (below U+0020) inside a string; JSON requires it escaped.
        case controlCharacterInString(UInt8)
        /// A backslash escape other than \" \\ \/ \b \f \n \r \t \uXXXX.
        case invalidEscape
        /// A number that does not follow JSON's grammar (e.g. `01`, `1.`, `-`, `1e`).
        case invalidNumber
        /// A valid number that does not fit the requested integer type (or is not an integer).
        case numberOutOfRange
        /// A value of another kind than the caller asked for.
        case typeMismatch(expected: JSONValueKind, found: JSONValueKind)
        /// Nesting deeper than `JSONLimits.maxDepth`.
        case tooDeep(limit: Int)
        /// Input larger than `JSONLimits.maxInputBytes`.
        case tooLarge(limit: Int)
        /// Something other than whitespace after the complete value.
        case trailingData
        /// A string that should hold base64 (RFC 4648) does not.
        case invalidBase64
    }

    public var reason: Reason
    /// Byte offset of the problem.
    public var offset: Int

    public init(_ reason: Reason, offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String {
        "byte offset \(offset): " + reasonText
    }

    /// The reason alone, as a phrase.
    public var reasonText: String {
        switch reason {
        case .unexpectedEnd(let expected): return "unexpected end of input (expected \(expected))"
        case .unexpectedByte(let b, let expected): return "expected \(expected), found \(JSONError.show(b))"
        case .controlCharacterInString(let b): return "unescaped control character \(JSONError.show(b)) in a string"
        case .invalidEscape: return "invalid escape sequence in a string"
        case .invalidNumber: return "malformed number"
        case .numberOutOfRange: return "number out of range for this field"
        case .typeMismatch(let expected, let found): return "expected \(expected.rawValue), found \(found.rawValue)"
        case .tooDeep(let limit): return "nesting deeper than \(limit) levels"
        case .tooLarge(let limit): return "input larger than \(limit) bytes"
        case .trailingData: return "unexpected data after the JSON value"
        case .invalidBase64: return "invalid base64 in a string"
        }
    }

    /// A byte for a message: `'x'` when printable ASCII, else `0xNN`.
    static func show(_ b: UInt8) -> String {
        if b >= 0x21 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        let hex = String(b, radix: 16, uppercase: true)
        return "byte 0x" + (hex.count == 1 ? "0" + hex : hex)
    }
}
