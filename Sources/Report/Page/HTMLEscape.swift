// The report's one HTML escaper. Every string that comes from a capture (paths, program names,
// command lines, user names, rule names, reasons) goes through `display` or `text`; Plot's own
// `.text` is not used for them (it leaves `&name;` entities alone and does not escape attribute values).

import FileWatchCore

public enum HTMLEscape {
    /// `s` as HTML text or a quoted attribute value: `&`, `<`, `>`, `"` and `'` become character references.
    public static func text(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count + 8)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// A name from a capture for people: made visible as the terminal output shows it (newline as
    /// `\n`, ESC as `\e`, invalid UTF-8 and other control bytes as `\xNN`; the project's one
    /// terminal escaper), then HTML-escaped.
    public static func display(_ bytes: ByteString) -> String {
        text(escapedForTerminal(bytes.bytes))
    }

    /// A string from a capture (a rule name, a reason, a user name), visible and escaped as `display`.
    public static func display(_ s: String) -> String {
        text(escapedForTerminal(Array(s.utf8)))
    }
}
