// Limits that keep a rules file from freezing the watcher at start (issue 18).
//
// Yams (6.2.2) composes aliases by sharing nodes, which is cheap, but it hashes every mapping key to find
// duplicates, and hashing a key expands its aliases: a 564-byte "billion laughs" whose last alias is used as a
// key takes 25 s and more. Yams has no option to bound alias expansion, so the text is checked before Yams sees
// it: an alias may appear only where it cannot be (part of) a mapping key. The check is lexical and errs on the
// side of refusing (it does not skip quoted text or comments), and says why.
//
// Aliases used as values are shared, never copied; what the rules parser expands from them (the patterns of
// each rule) is bounded by `maxPatterns`.

public enum RulesLimits {
    /// Largest rules file read (4 MiB): 10,000 rules take about 1 MB.
    public static let maxFileBytes = 4 << 20
    /// Most rules in one file.
    public static let maxRules = 100_000
    /// Most path and allow patterns of all rules together, aliases expanded.
    public static let maxPatterns = 500_000

    /// Refuses YAML whose aliases could expand inside a mapping key. Lexical and conservative:
    ///   - anchors are `&name`, aliases `*name` (libyaml's names: letters, digits, `_`, `-`) that start a token
    ///     (after the start of a line, a blank, `[`, `{` or `,`); an alias counts only when an anchor of its name
    ///     came before it;
    ///   - such an alias is refused when the rest of its line (up to a ` #` comment) holds a `:` (it may be, or be
    ///     inside, an implicit key), or when a `{` (flow mapping, whose entries are all keys) or an explicit-key
    ///     `?` token came anywhere before it.
    public static func checkAliases(_ yaml: String, file: String) throws(RulesError) {
        var bytes = Array(yaml.utf8)
        bytes.append(0x0A)
        var anchors = Set<ArraySlice<UInt8>>()
        var line = 1, lineStart = 0
        var firstBrace: (line: Int, column: Int)?
        var firstQuestion: (line: Int, column: Int)?
        var i = 0
        let n = bytes.count
        @inline(__always) func isNameByte(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x2D
        }
        @inline(__always) func startsToken(_ at: Int) -> Bool {
            guard at > lineStart else { return true }
            switch bytes[at - 1] {
            case 0x20, 0x09, 0x5B, 0x7B, 0x2C: return true  // blank, tab, [, {, ,
            default: return false
            }
        }
        func problem(_ at: Int, _ message: String) -> RulesError {
            RulesError(file: file, line: line, column: at - lineStart + 1, message: message)
        }
        while i < n - 1 {
            let c = bytes[i]
            switch c {
            case 0x0A:
                line += 1
                lineStart = i + 1
            case 0x7B:  // {
                if firstBrace == nil { firstBrace = (line, i - lineStart + 1) }
            case 0x3F:  // ? followed by a blank: an explicit key
                if startsToken(i), bytes[i + 1] == 0x20 || bytes[i + 1] == 0x09 || bytes[i + 1] == 0x0A || bytes[i + 1] == 0x0D,
                   firstQuestion == nil {
                    firstQuestion = (line, i - lineStart + 1)
                }
            case 0x26, 0x2A:  // & or *
                guard startsToken(i) else { break }
                var j = i + 1
                while j < n, isNameByte(bytes[j]) { j += 1 }
                guard j > i + 1 else { break }
                let name = bytes[(i + 1)..<j]
                if c == 0x26 { anchors.insert(name); i = j - 1; break }
                guard anchors.contains(name) else { i = j - 1; break }
                let alias = "alias `*\(String(decoding: name, as: UTF8.self))`"
                if let (l, col) = firstBrace {
                    throw problem(i, "\(alias) comes after the `{` at line \(l), column \(col): aliases cannot be used "
                        + "after a flow mapping `{…}` (its entries are keys, and an alias in a key can expand exponentially); "
                        + "write mappings in block style")
                }
                if let (l, col) = firstQuestion {
                    throw problem(i, "\(alias) comes after the explicit key `?` at line \(l), column \(col): aliases "
                        + "cannot be used in files with explicit keys (an alias in a key can expand exponentially)")
                }
                // Any `:` up to the end of the line or a comment (in a flow collection a `:` need not be followed
                // by a blank to make the node before it a key).
                var k = j
                while bytes[k] != 0x0A {
                    if bytes[k] == 0x23, bytes[k - 1] == 0x20 || bytes[k - 1] == 0x09 { break }
                    if bytes[k] == 0x3A {
                        throw problem(i, "\(alias) may be part of a mapping key (a `:` follows on its line): aliases are "
                            + "allowed only as values (an alias in a key can expand exponentially)")
                    }
                    k += 1
                }
                i = j - 1
            default:
                break
            }
            i += 1
        }
    }
}
