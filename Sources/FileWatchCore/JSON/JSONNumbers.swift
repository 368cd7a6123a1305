// Numbers, and lenient readers for decoders where every field is optional.

/// A number located in the scanner's input (grammar checked, not converted).
public struct JSONNumber: Sendable, Equatable {
    /// Its text's byte range in the scanner's `input`.
    public let range: Range<Int>
    /// No fraction and no exponent.
    public let isInteger: Bool
}

extension JSONScanner {
    /// Scans a number at `position`: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    mutating func scanNumber() throws(JSONError) -> JSONNumber {
        let start = position
        var i = position
        let n = count
        @inline(__always) func isDigit(_ i: Int) -> Bool { i < n && input[i] &- 0x30 < 10 }
        @inline(__always) func fail(_ i: Int) -> JSONError {
            i < n ? error(.invalidNumber, at: i) : error(.unexpectedEnd(expected: "a digit"), at: i)
        }
        if i < n && input[i] == UInt8(ascii: "-") { i += 1 }
        guard isDigit(i) else { throw fail(i) }
        if input[i] == UInt8(ascii: "0") {
            i += 1
        } else {
            while isDigit(i) { i += 1 }
        }
        var integer = true
        if i < n && input[i] == UInt8(ascii: ".") {
            integer = false
            i += 1
            guard isDigit(i) else { throw fail(i) }
            while isDigit(i) { i += 1 }
        }
        if i < n && (input[i] | 0x20) == UInt8(ascii: "e") {
            integer = false
            i += 1
            if i < n && (input[i] == UInt8(ascii: "+") || input[i] == UInt8(ascii: "-")) { i += 1 }
            guard isDigit(i) else { throw fail(i) }
            while isDigit(i) { i += 1 }
        }
        position = i
        return JSONNumber(range: start..<i, isInteger: integer)
    }

    /// Reads the next value as a number (located, not converted).
    public mutating func readNumber() throws(JSONError) -> JSONNumber {
        let kind = try peek()
        guard kind == .number else { throw error(.typeMismatch(expected: .number, found: kind), at: position) }
        return try scanNumber()
    }

    /// Reads an integer that fits Int64.
    public mutating func readInt64() throws(JSONError) -> Int64 {
        let number = try readNumber()
        guard let v = int64(of: number) else { throw error(.numberOutOfRange, at: number.range.lowerBound) }
        return v
    }

    /// Reads a non-negative integer that fits UInt64.
    public mutating func readUInt64() throws(JSONError) -> UInt64 {
        let number = try readNumber()
        guard let v = uint64(of: number) else { throw error(.numberOutOfRange, at: number.range.lowerBound) }
        return v
    }

    /// Reads any number as a Double (nearest value; huge exponents give ±infinity).
    public mutating func readDouble() throws(JSONError) -> Double {
        let number = try readNumber()
        guard let v = double(of: number) else { throw error(.numberOutOfRange, at: number.range.lowerBound) }
        return v
    }

    /// The integer value of `n`, when it is an integer that fits Int64.
    public func int64(of n: JSONNumber) -> Int64? {
        guard n.isInteger else { return nil }
        var i = n.range.lowerBound
        let negative = input[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        var magnitude: UInt64 = 0
        while i < n.range.upperBound {
            let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(input[i] &- 0x30))
            if o1 || o2 { return nil }
            magnitude = s
            i += 1
        }
        if negative {
            if magnitude > UInt64(Int64.max) + 1 { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    /// The value of `n`, when it is a non-negative integer that fits UInt64 (`-0` is 0).
    public func uint64(of n: JSONNumber) -> UInt64? {
        guard n.isInteger else { return nil }
        var i = n.range.lowerBound
        if input[i] == UInt8(ascii: "-") {
            return n.range.count == 2 && input[i + 1] == UInt8(ascii: "0") ? 0 : nil
        }
        var v: UInt64 = 0
        while i < n.range.upperBound {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(input[i] &- 0x30))
            if o1 || o2 { return nil }
            v = s
            i += 1
        }
        return v
    }

    /// The value of `n` as a Double (the standard library's correctly rounded conversion).
    public func double(of n: JSONNumber) -> Double? {
        Double(String(decoding: UnsafeRawBufferPointer(rebasing: input[n.range]), as: UTF8.self))
    }

    // MARK: Lenient readers
    //
    // For formats where every field is optional and a field of the wrong type or range is treated
    // as absent: the next value is consumed whatever it is (its grammar still checked — a syntax
    // error still throws), and nil is returned unless it has the wanted kind and range.

    /// An integer fitting Int64, else nil.
    public mutating func optionalInt64() throws(JSONError) -> Int64? {
        guard try peek() == .number else { try skipValue(); return nil }
        return int64(of: try scanNumber())
    }

    /// A non-negative integer fitting UInt64, else nil.
    public mutating func optionalUInt64() throws(JSONError) -> UInt64? {
        guard try peek() == .number else { try skipValue(); return nil }
        return uint64(of: try scanNumber())
    }

    /// A string, else nil.
    public mutating func optionalString() throws(JSONError) -> JSONString? {
        guard try peek() == .string else { try skipValue(); return nil }
        return try scanString()
    }

    /// A boolean, else nil.
    public mutating func optionalBool() throws(JSONError) -> Bool? {
        guard try peek() == .bool else { try skipValue(); return nil }
        return try readBool()
    }

    /// True when the next value is an object and was opened (`{` consumed, the caller walks it
    /// with `nextKey`); otherwise the value is skipped and false returned.
    public mutating func beginObjectIfPresent() throws(JSONError) -> Bool {
        guard try peek() == .object else { try skipValue(); return false }
        try beginObject()
        return true
    }

    /// True when the next value is an array and was opened; otherwise it is skipped.
    public mutating func beginArrayIfPresent() throws(JSONError) -> Bool {
        guard try peek() == .array else { try skipValue(); return false }
        try beginArray()
        return true
    }
}
