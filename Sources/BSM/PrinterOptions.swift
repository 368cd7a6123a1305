// praudit's output options.

public struct PrintOptions: Sendable, Equatable {
    /// `-r`: numbers instead of names for token ids, events, users, groups, times and errors.
    public var raw = false
    /// `-s`: short event names (`AUE_OPEN_R`) instead of descriptions.
    public var short = false
    /// `-n`: do not resolve uids/gids to names.
    public var numeric = false
    /// `-l`: one line per record.
    public var oneLine = false
    /// `-x`: XML.
    public var xml = false
    /// `-d`: field delimiter (default `,`).
    public var delimiter: [UInt8] = [UInt8(ascii: ",")]
    /// Standard output is a terminal: show control and escape bytes from strings escaped
    /// instead of writing them raw (praudit writes them raw).
    public var isTerminal = false

    public init(raw: Bool = false, short: Bool = false, numeric: Bool = false, oneLine: Bool = false,
                xml: Bool = false, delimiter: [UInt8] = [UInt8(ascii: ",")], isTerminal: Bool = false) {
        self.raw = raw; self.short = short; self.numeric = numeric; self.oneLine = oneLine
        self.xml = xml; self.delimiter = delimiter; self.isTerminal = isTerminal
    }
}

/// One event of the event catalog as the printer needs it.
public struct PrinterEvent: Sendable {
    public var number: UInt16
    /// Short name (`AUE_OPEN_R`), printed with `-s`.
    public var name: [UInt8]
    /// Description (`open(2) - read`), printed by default.
    public var description: [UInt8]
    public init(number: UInt16, name: [UInt8], description: [UInt8]) {
        self.number = number; self.name = name; self.description = description
    }
}
