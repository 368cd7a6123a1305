// `--on-alert CMD`: the command line is split into argv here, never handed to a shell.
//
// Rules (a small, predictable subset of POSIX shell word splitting, with no expansion of any kind):
//   - words are separated by spaces, tabs and newlines;
//   - '…' quotes everything literally up to the next ';
//   - "…" quotes too, and inside it \" and \\ stand for " and \ (any other \x stays \x);
//   - outside quotes, \x stands for x (so `\ ` is a space inside a word);
//   - no $variables, globs, ~, pipes, redirections or ; — those characters are ordinary bytes.

public enum CommandSplitError: Error, Equatable, CustomStringConvertible {
    case empty
    case unterminatedQuote(Character, offset: Int)
    case trailingBackslash

    public var description: String {
        switch self {
        case .empty: "the command is empty"
        case .unterminatedQuote(let q, let offset): "unterminated \(q) quote starting at character \(offset)"
        case .trailingBackslash: "the command ends with a lone backslash"
        }
    }
}

public func splitCommandLine(_ line: String) throws(CommandSplitError) -> [String] {
    var words: [String] = []
    var current = ""
    var inWord = false
    var it = Array(line).enumerated().makeIterator()
    while let (offset, c) = it.next() {
        switch c {
        case " ", "\t", "\n", "\r":
            if inWord { words.append(current); current = ""; inWord = false }
        case "'":
            inWord = true
            var closed = false
            while let (_, d) = it.next() {
                if d == "'" { closed = true; break }
                current.append(d)
            }
            if !closed { throw .unterminatedQuote("'", offset: offset) }
        case "\"":
            inWord = true
            var closed = false
            while let (_, d) = it.next() {
                if d == "\"" { closed = true; break }
                if d == "\\" {
                    guard let (_, e) = it.next() else { break }
                    if e == "\"" || e == "\\" { current.append(e) } else { current.append("\\"); current.append(e) }
                    continue
                }
                current.append(d)
            }
            if !closed { throw .unterminatedQuote("\"", offset: offset) }
        case "\\":
            guard let (_, e) = it.next() else { throw .trailingBackslash }
            inWord = true
            current.append(e)
        default:
            inWord = true
            current.append(c)
        }
    }
    if inWord { words.append(current) }
    guard !words.isEmpty, !words[0].isEmpty else { throw .empty }
    return words
}
