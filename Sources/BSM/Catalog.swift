// Event and class catalog: OpenBSM's audit_event (`number:AUE_NAME:description:classes`) and
// audit_class (`mask:name:description`) tables. The embedded default is generated from
// ../shared/openbsm by scripts/gen-catalog.py into CatalogData.swift; a system's
// /etc/security/audit_event and audit_class can replace it at run time (the caller reads the
// files and passes their bytes here).
//
// Parsing follows libbsm exactly, since praudit's output depends on it:
// - lines are read like fgets(…, 256): a line longer than 255 bytes continues as a new line;
// - fields are split like strtok(":"): runs of ':' are one separator, empty fields vanish, and
//   fields after the 4th (events) / 3rd (classes) are ignored;
// - the event number is atoi() truncated to 16 bits; names of ≥ 30 bytes and descriptions of
//   ≥ 50 bytes make the line invalid (skipped), as do class names ≥ 8 / descriptions ≥ 72;
// - event lookup returns the first valid line with that number (comment lines are not special
//   for events, exactly like getauevnum(3)); class lines starting with '#' are skipped and the
//   class table ends at its first invalid line (getauclassent(3)).
// - an event's class mask is the OR of its comma-separated class names; an unknown name makes
//   the mask 0 (getauditflagsbin fails).

public struct EventEntry: Hashable, Sendable {
    public var number: UInt16
    /// Short name (`AUE_OPEN_R`), raw bytes.
    public var name: [UInt8]
    /// Description (`open(2) - read`), raw bytes; may contain commas.
    public var description: [UInt8]
    /// The class field as written (`fr,fa`).
    public var classNames: [UInt8]
    /// The OR of the named classes' masks (0 when a name is unknown).
    public var classMask: UInt32

    public var nameString: String { String(decoding: name, as: UTF8.self) }
    public var descriptionString: String { String(decoding: description, as: UTF8.self) }
}

public struct ClassEntry: Hashable, Sendable {
    public var mask: UInt32
    /// Short name (`fr`).
    public var name: [UInt8]
    public var description: [UInt8]

    public var nameString: String { String(decoding: name, as: UTF8.self) }
    public var descriptionString: String { String(decoding: description, as: UTF8.self) }
}

public struct Catalog: Sendable {
    /// Valid event lines in file order (duplicates kept; lookup uses the first).
    public let events: [EventEntry]
    /// Valid class lines in file order.
    public let classes: [ClassEntry]
    /// Event number → index into `events` + 1 (0 = absent). 65536 entries.
    private let index: [Int32]

    /// The catalog embedded at build time (OpenBSM's audit_event / audit_class).
    public static let embedded = Catalog(eventTable: Array(CatalogData.auditEvent.utf8),
                                         classTable: Array(CatalogData.auditClass.utf8))

    /// The embedded audit_class text (used when a system has audit_event but no audit_class).
    public static var embeddedClassTable: [UInt8] { Array(CatalogData.auditClass.utf8) }

    /// Parses audit_event and audit_class contents.
    public init(eventTable: [UInt8], classTable: [UInt8]) {
        let classes = Catalog.parseClasses(classTable)
        var events: [EventEntry] = []
        for line in Catalog.lines(eventTable) {
            if let e = Catalog.parseEvent(line, classes: classes) { events.append(e) }
        }
        var index = [Int32](repeating: 0, count: 65536)
        for (i, e) in events.enumerated() where index[Int(e.number)] == 0 {
            index[Int(e.number)] = Int32(i + 1)
        }
        self.events = events
        self.classes = classes
        self.index = index
    }

    /// Parses text tables (convenience for tests and callers holding Strings).
    public init(eventTable: String, classTable: String) {
        self.init(eventTable: Array(eventTable.utf8), classTable: Array(classTable.utf8))
    }

    /// The entry for an event number, as praudit's getauevnum() finds it (first valid line).
    @inlinable public func event(_ number: UInt16) -> EventEntry? {
        let i = indexValue(number)
        return i == 0 ? nil : events[Int(i) - 1]
    }

    @usableFromInline func indexValue(_ number: UInt16) -> Int32 { index[Int(number)] }

    /// The class with this short name (first match), as getauclassnam() finds it.
    public func `class`(named name: [UInt8]) -> ClassEntry? {
        classes.first { $0.name == name }
    }
    public func `class`(named name: String) -> ClassEntry? { `class`(named: Array(name.utf8)) }

    /// Class mask for a comma-separated flag list (`fr,fw`, `^fa`, `+lo`), or nil when a name is
    /// unknown. Like getauditflagsbin() but returning the success mask only.
    public func classMask(forFlags flags: [UInt8]) -> UInt32? {
        Catalog.mask(flags, classes: classes)
    }

    // MARK: parsing

    /// Splits like repeated fgets(buf, 256): at '\n' (removed) or after 255 bytes.
    static func lines(_ b: [UInt8]) -> [ArraySlice<UInt8>] {
        var out: [ArraySlice<UInt8>] = []
        var start = 0
        var i = 0
        while i < b.count {
            if b[i] == 0x0a {
                out.append(b[start..<i])
                i += 1
                start = i
            } else if i - start == 254 {
                // fgets stops after 255 bytes; this chunk has no newline.
                out.append(b[start...i])
                i += 1
                start = i
            } else {
                i += 1
            }
        }
        if start < b.count { out.append(b[start..<b.count]) }
        return out
    }

    /// strtok(s, ":") fields: runs of ':' separate, empty fields are dropped. A NUL ends the line.
    static func fields(_ line: ArraySlice<UInt8>, max: Int) -> [ArraySlice<UInt8>] {
        var out: [ArraySlice<UInt8>] = []
        var end = line.endIndex
        if let nul = line.firstIndex(of: 0) { end = nul }
        var i = line.startIndex
        while i < end && out.count < max {
            while i < end && line[i] == 0x3a { i += 1 }
            if i >= end { break }
            let s = i
            while i < end && line[i] != 0x3a { i += 1 }
            out.append(line[s..<i])
        }
        return out
    }

    /// atoi(): optional whitespace, sign, digits; truncated to 16 bits like au_event_t.
    static func atoi16(_ s: ArraySlice<UInt8>) -> UInt16 {
        var i = s.startIndex
        while i < s.endIndex, s[i] == 0x20 || (s[i] >= 0x09 && s[i] <= 0x0d) { i += 1 }
        var neg = false
        if i < s.endIndex, s[i] == 0x2d || s[i] == 0x2b { neg = s[i] == 0x2d; i += 1 }
        var v: UInt32 = 0
        while i < s.endIndex, s[i] >= 0x30 && s[i] <= 0x39 {
            v = v &* 10 &+ UInt32(s[i] - 0x30)
            i += 1
        }
        if neg { v = 0 &- v }
        return UInt16(truncatingIfNeeded: v)
    }

    /// strtoul(s, NULL, 0): `0x` hex, leading-0 octal, else decimal; truncated to 32 bits.
    static func strtoul(_ s: ArraySlice<UInt8>) -> UInt32 {
        var i = s.startIndex
        while i < s.endIndex, s[i] == 0x20 || (s[i] >= 0x09 && s[i] <= 0x0d) { i += 1 }
        var neg = false
        if i < s.endIndex, s[i] == 0x2d || s[i] == 0x2b { neg = s[i] == 0x2d; i += 1 }
        var base: UInt64 = 10
        if i < s.endIndex, s[i] == 0x30 {
            if i + 1 < s.endIndex, (s[i + 1] | 0x20) == 0x78, i + 2 < s.endIndex, hexDigit(s[i + 2]) != nil {
                base = 16
                i += 2
            } else {
                base = 8
            }
        }
        var v: UInt64 = 0
        while i < s.endIndex, let d = hexDigit(s[i]), UInt64(d) < base {
            v = v &* base &+ UInt64(d)
            if v > UInt64(UInt32.max) { v = UInt64(UInt32.max); break }  // ULONG overflow saturates
            i += 1
        }
        let r = UInt32(v)
        return neg ? 0 &- r : r
    }

    static func hexDigit(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }

    static func parseEvent(_ line: ArraySlice<UInt8>, classes: [ClassEntry]) -> EventEntry? {
        let f = fields(line, max: 4)
        guard f.count >= 2 else { return nil }
        if f[1].count >= 30 { return nil }
        let desc = f.count > 2 ? Array(f[2]) : []
        if desc.count >= 50 { return nil }
        let cls = f.count > 3 ? Array(f[3]) : []
        return EventEntry(number: atoi16(f[0]), name: Array(f[1]), description: desc, classNames: cls,
                          classMask: f.count > 3 ? (mask(cls, classes: classes) ?? 0) : 0)
    }

    static func parseClasses(_ table: [UInt8]) -> [ClassEntry] {
        var out: [ClassEntry] = []
        for line in lines(table) {
            if line.first == 0x23 { continue }  // '#'
            let f = fields(line, max: 3)
            guard f.count == 3, f[1].count < 8, f[2].count < 72 else { break }  // getauclassent stops here
            out.append(ClassEntry(mask: strtoul(f[0]), name: Array(f[1]), description: Array(f[2])))
        }
        return out
    }

    static func mask(_ flags: [UInt8], classes: [ClassEntry]) -> UInt32? {
        var m: UInt32 = 0
        for part in flags.split(separator: 0x2c) {  // ','
            var t = part[...]
            var sub = false
            if t.first == 0x5e { sub = true; t = t.dropFirst() }  // '^'
            var successToo = true
            if t.first == 0x2b { t = t.dropFirst() }  // '+': success
            else if t.first == 0x2d { successToo = false; t = t.dropFirst() }  // '-': failure only
            guard let c = classes.first(where: { $0.name[...] == t }) else { return nil }
            if successToo { if sub { m &= ~c.mask } else { m |= c.mask } }
        }
        return m
    }
}
