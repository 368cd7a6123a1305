// File-name tests of the ransomware heuristic: a rename to a new extension, and whether an encrypted-looking
// output is named after a victim.

extension RansomwareDetector {
    /// When `to` keeps `from`'s name but with a new extension, the two extensions (without the dot):
    ///   appended  `a.docx` → `a.docx.locked`, `README` → `README.enc`
    ///   replaced  `a.docx` → `a.crypt`
    /// Not counted: removing a temporary suffix (`x.tmp` → `x`, `X.o-3RG-a92e` → `X.o-3RG`: the new name is a
    /// prefix of the old one), temp names renamed over a real file (`.a.docx.Xy12` → `a.docx`: stems differ),
    /// moves keeping the name, numbered rotation (`syslog` → `syslog.1`), backups (`.bak`, `.old`, `~`, …),
    /// replacing a temporary extension (`a.tmp` → `a.txt`), and "extensions" that do not look like one.
    public static func newExtension(from: ByteString, to: ByteString) -> (ByteString, ByteString)? {
        let a = Glob.basename(from.bytes), b = Glob.basename(to.bytes)
        guard !b.isEmpty, a != b else { return nil }
        // Dropping a suffix (temporary file → final name).
        if a.count > b.count, a.starts(with: b) { return nil }
        func split(_ n: [UInt8]) -> ([UInt8], [UInt8]) {
            // A leading dot is part of the stem (".bashrc" has no extension).
            guard let dot = n.lastIndex(of: UInt8(ascii: ".")), dot > 0, dot < n.count - 1 else { return (n, []) }
            return (Array(n[..<dot]), Array(n[(dot + 1)...]))
        }
        let (stemA, extA) = split(a), (stemB, extB) = split(b)
        guard Self.looksLikeExtension(extB), !Self.benignExtensions.contains(lowercased(extB)) else { return nil }
        if stemB == a { return (ByteString(extA), ByteString(extB)) }  // appended
        if stemB == stemA, !extA.isEmpty, lowercased(extA) != lowercased(extB), Self.looksLikeExtension(extA),
           !Self.temporaryExtensions.contains(lowercased(extA)) {
            return (ByteString(extA), ByteString(extB))  // replaced
        }
        return nil
    }

    /// 1–24 bytes of letters, digits, '_' or '-', not all digits, at least one letter.
    static func looksLikeExtension(_ e: [UInt8]) -> Bool {
        guard (1...24).contains(e.count) else { return false }
        var letters = 0
        for c in e {
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): letters += 1
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"): break
            default: return false
            }
        }
        return letters > 0
    }

    private static func lowercased(_ e: [UInt8]) -> [UInt8] {
        e.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
    }

    /// New extensions that mean "a copy/backup/rotation", not encryption.
    static let benignExtensions: Set<[UInt8]> = Set(["bak", "backup", "old", "orig", "save", "sav", "prev", "tmp", "temp",
                                                     "swp", "lock", "new", "dpkg-old", "dpkg-new", "dpkg-dist", "ucf-old",
                                                     "rpmsave", "rpmnew", "gz", "bz2", "xz", "zst"].map { Array($0.utf8) })
    /// Old extensions of files that are renamed to their final name when complete.
    static let temporaryExtensions: Set<[UInt8]> = Set(["tmp", "temp", "part", "partial", "crdownload", "download",
                                                        "new", "swp", "swx", "lock", "inprogress", "filepart"].map { Array($0.utf8) })

    /// Is the encrypted-looking file `output` named after `victim` (`doc.txt` → `doc.txt.locked`, `doc.txt.tmp`,
    /// `doc.enc`)? The victim's name without its extension must start the output's name, followed by nothing or
    /// a '.'.
    static func namedAfter(victim: ByteString, output: [UInt8]) -> Bool {
        let v = Glob.basename(victim.bytes)
        var stem = v[...]
        if let dot = v.lastIndex(of: UInt8(ascii: ".")), dot > 0 { stem = v[..<dot] }
        guard !stem.isEmpty, output.count >= stem.count, output.starts(with: stem) else { return false }
        return output.count == stem.count || output[stem.count] == UInt8(ascii: ".")
    }
}
