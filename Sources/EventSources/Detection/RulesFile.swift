// Loading a watch-rules file: read it (bounded), check it is UTF-8 text, parse it (FileWatchCore).

import FileWatchCore
import SystemPackage

public enum RulesFile {
    /// Rules files are small; anything bigger is a mistake (wrong file).
    public static let maxSize = 4 << 20

    /// Reads and parses `path`. Errors name the file and the line (or byte offset for encoding problems).
    public static func load(path: String) throws(RulesError) -> RuleSet {
        let bytes: [UInt8]
        do {
            let fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec, .nonBlocking])
            defer { try? fd.close() }
            var data = [UInt8]()
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = try chunk.withUnsafeMutableBytes { try fd.read(into: $0) }
                if n == 0 { break }
                data.append(contentsOf: chunk[..<n])
                if data.count > maxSize {
                    throw RulesError(file: path, line: 0, column: 0, message: "larger than \(maxSize) bytes; not a rules file")
                }
            }
            bytes = data
        } catch let e as RulesError {
            throw e
        } catch {
            throw RulesError(file: path, line: 0, column: 0, message: "cannot read: \(error)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let (offset, line) = firstInvalidUTF8(bytes)
            throw RulesError(file: path, line: line, column: 0,
                             message: "not UTF-8 text (invalid byte 0x\(String(bytes[offset], radix: 16)) at byte offset \(offset))")
        }
        return try RuleSet.parse(yaml: text, file: path)
    }

    /// Byte offset and line of the first byte that does not start a well-formed UTF-8 sequence.
    static func firstInvalidUTF8(_ b: [UInt8]) -> (offset: Int, line: Int) {
        var i = 0, line = 1
        while i < b.count {
            let c = b[i]
            var len = 0
            switch c {
            case 0x00...0x7F: len = 1
            case 0xC2...0xDF: len = 2
            case 0xE0...0xEF: len = 3
            case 0xF0...0xF4: len = 4
            default: return (i, line)
            }
            guard i + len <= b.count, String(validating: b[i..<(i + len)], as: UTF8.self) != nil else { return (i, line) }
            if c == UInt8(ascii: "\n") { line += 1 }
            i += len
        }
        return (i, line)
    }
}
