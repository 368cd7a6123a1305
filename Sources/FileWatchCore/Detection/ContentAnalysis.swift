// Does a file's content look encrypted? ent(1)-style statistics over a prefix of the file.

/// Entropy and Monte-Carlo π statistics of a byte buffer, computed as ent(1) does.
public struct ContentStatistics: Sendable, Equatable {
    /// Bytes analysed.
    public var count: Int
    /// Shannon entropy in bits per byte (0…8).
    public var entropy: Double
    /// Monte-Carlo estimate of π: consecutive 6-byte groups are taken as 24-bit (x, y) coordinates in a square
    /// and the fraction inside the inscribed quarter circle times 4 estimates π (ent's MONTEN = 6).
    public var piEstimate: Double
    /// |piEstimate − π| / π in percent.
    public var piErrorPercent: Double
    /// ent's serial correlation coefficient of each byte with the next (the last with the first): about 0 for
    /// random bytes, near 1 for slowly changing ones (a counter, a ramp, samples), whatever their histogram.
    public var serialCorrelation: Double
    /// ent's χ² of the byte histogram against a uniform one (255 degrees of freedom): about 255 ± 23 for random
    /// bytes, near 0 for content that takes every value exactly equally often (a counter), large for skewed content.
    public var chiSquare: Double

    public init(count: Int, entropy: Double, piEstimate: Double, piErrorPercent: Double, serialCorrelation: Double = 0,
                chiSquare: Double = 255) {
        self.count = count; self.entropy = entropy; self.piEstimate = piEstimate; self.piErrorPercent = piErrorPercent
        self.serialCorrelation = serialCorrelation; self.chiSquare = chiSquare
    }

    public init(_ bytes: [UInt8]) { self = bytes.withUnsafeBytes { ContentStatistics($0) } }

    public init(_ buffer: UnsafeRawBufferPointer) {
        count = buffer.count
        guard !buffer.isEmpty else { entropy = 0; piEstimate = 0; piErrorPercent = 100; serialCorrelation = 1; chiSquare = 0; return }
        // Histogram on the stack: no allocation per file. Σx and Σx² for the serial correlation come from it.
        var sum = 0.0, sumSquares = 0.0, chi = 0.0
        var h = withUnsafeTemporaryAllocation(of: Int.self, capacity: 256) { hist -> Double in
            hist.initialize(repeating: 0)
            for b in buffer { hist[Int(b)] += 1 }
            let n = Double(buffer.count)
            var e = 0.0
            for (value, c) in hist.enumerated() where c > 0 {
                let p = Double(c) / n
                e -= p * entropyLog2(p)
                sum += Double(c * value)
                sumSquares += Double(c * value * value)
            }
            let expected = n / 256
            for c in hist { let d = Double(c) - expected; chi += d * d / expected }
            return e
        }
        if h < 0 { h = 0 }
        entropy = h
        chiSquare = chi
        // Serial correlation as ent computes it: (n·Σxᵢxᵢ₊₁ − (Σx)²) / (n·Σx² − (Σx)²), wrapping around.
        var products: UInt64 = UInt64(buffer[buffer.count - 1]) * UInt64(buffer[0])
        for i in 0..<(buffer.count - 1) { products &+= UInt64(buffer[i]) * UInt64(buffer[i + 1]) }
        let n = Double(buffer.count)
        let denominator = n * sumSquares - sum * sum
        serialCorrelation = denominator == 0 ? 1 : (n * Double(products) - sum * sum) / denominator
        // Monte Carlo: 3 bytes → x, 3 bytes → y (big-endian 24-bit), inside when x² + y² ≤ (2²⁴ − 1)².
        let radius: UInt64 = (1 << 24) - 1
        let inCircle = radius * radius
        let groups = buffer.count / 6
        var inside = 0
        var i = 0
        for _ in 0..<groups {
            let x = UInt64(buffer[i]) << 16 | UInt64(buffer[i + 1]) << 8 | UInt64(buffer[i + 2])
            let y = UInt64(buffer[i + 3]) << 16 | UInt64(buffer[i + 4]) << 8 | UInt64(buffer[i + 5])
            if x * x + y * y <= inCircle { inside += 1 }
            i += 6
        }
        if groups > 0 {
            piEstimate = 4.0 * Double(inside) / Double(groups)
            piErrorPercent = abs(piEstimate - Double.pi) / Double.pi * 100
        } else {
            piEstimate = 0; piErrorPercent = 100
        }
    }
}

/// log2 without Foundation/libm imports in this platform-neutral module: ln via atanh series after
/// range reduction to [0.5, 1), accurate to ~1e-15 (plenty for entropy).
@inline(__always)
func entropyLog2(_ x: Double) -> Double {
    precondition(x > 0)
    // x = m · 2^e with m in [0.5, 1)
    let e = Double(x.exponent + 1)
    let m = x.significand / 2 // significand is in [1, 2)
    // ln(m) = 2·atanh((m−1)/(m+1))
    let t = (m - 1) / (m + 1)
    let t2 = t * t
    var term = t
    var sum = 0.0
    var k = 1.0
    while true {
        let add = term / k
        sum += add
        if abs(add) < 1e-17 { break }
        term *= t2
        k += 2
    }
    let ln2 = 0.693147180559945309417232121458176568
    return e + 2 * sum / ln2
}

/// Formats whose content is compressed (high entropy by design): skipped by the encrypted-content test.
public enum KnownFormat: String, Sendable, CaseIterable {
    case gzip, zip, xz, bzip2, zstd, sevenZip = "7z", rar, lz4, lzip, compress, zlib, gitPack = "git-pack",
         gitPackIndex = "git-pack-index", cab, arArchive = "ar", rpm, squashfs, woff, woff2,
         png, jpeg, gif, webp, riff, pdf, isoMedia = "mp4/mov", matroska, mp3, ogg, flac, jpeg2000, heif

    /// Identifies `prefix` (the first bytes of a file) by its magic number.
    public static func detect(_ p: UnsafeRawBufferPointer) -> KnownFormat? {
        func has(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            guard p.count >= offset + magic.count else { return false }
            for (i, b) in magic.enumerated() where p[offset + i] != b { return false }
            return true
        }
        func ascii(_ s: StaticString, at offset: Int = 0) -> Bool {
            let bytes = UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)
            guard p.count >= offset + bytes.count else { return false }
            for (i, b) in bytes.enumerated() where p[offset + i] != b { return false }
            return true
        }
        guard p.count >= 2 else { return nil }
        if has([0x1F, 0x8B]) { return .gzip }
        if has([0x50, 0x4B, 0x03, 0x04]) || has([0x50, 0x4B, 0x05, 0x06]) || has([0x50, 0x4B, 0x07, 0x08]) { return .zip }
        if has([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) { return .xz }
        if ascii("BZh"), p.count > 3, (0x31...0x39).contains(p[3]) { return .bzip2 }
        if has([0x28, 0xB5, 0x2F, 0xFD]) { return .zstd }
        if has([0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]) { return .sevenZip }
        if has([0x52, 0x61, 0x72, 0x21, 0x1A, 0x07]) { return .rar }
        if has([0x04, 0x22, 0x4D, 0x18]) { return .lz4 }
        if ascii("LZIP") { return .lzip }
        if has([0x1F, 0x9D]) { return .compress }
        // zlib streams (git loose objects): CMF 0x78 and a valid FCHECK.
        if p[0] == 0x78, (UInt16(p[0]) << 8 | UInt16(p[1])) % 31 == 0 { return .zlib }
        if ascii("PACK"), p.count >= 8, p[4] == 0, p[5] == 0, p[6] == 0 { return .gitPack }
        if has([0xFF, 0x74, 0x4F, 0x63]) { return .gitPackIndex }
        if ascii("MSCF") { return .cab }
        if ascii("!<arch>\n") { return .arArchive }
        if has([0xED, 0xAB, 0xEE, 0xDB]) { return .rpm }
        if ascii("hsqs") || ascii("sqsh") { return .squashfs }
        if ascii("wOFF") { return .woff }
        if ascii("wOF2") { return .woff2 }
        if has([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if has([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if ascii("GIF87a") || ascii("GIF89a") { return .gif }
        if ascii("RIFF"), ascii("WEBP", at: 8) { return .webp }
        if ascii("RIFF") { return .riff }
        if ascii("%PDF-") { return .pdf }
        if ascii("ftyp", at: 4) {
            if ascii("heic", at: 8) || ascii("heix", at: 8) || ascii("mif1", at: 8) || ascii("avif", at: 8) { return .heif }
            return .isoMedia
        }
        if has([0x1A, 0x45, 0xDF, 0xA3]) { return .matroska }
        if ascii("ID3") { return .mp3 }
        // MPEG audio frame sync: 11 set bits, then a valid version/layer.
        if p[0] == 0xFF, p[1] & 0xE0 == 0xE0, p[1] & 0x06 != 0, p[1] & 0x18 != 0x08 { return .mp3 }
        if ascii("OggS") { return .ogg }
        if ascii("fLaC") { return .flac }
        if has([0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20]) || has([0xFF, 0x4F, 0xFF, 0x51]) { return .jpeg2000 }
        return nil
    }

    public static func detect(_ bytes: [UInt8]) -> KnownFormat? { bytes.withUnsafeBytes { detect($0) } }
}

/// The encrypted-content test with its thresholds.
///
/// The statistics of a sample scatter, and the smaller the file the more: random bytes must pass at every size
/// that is judged, or a real encryptor's victims go unnoticed by chance. With fixed limits, 64 KiB of random bytes
/// failed the π limit 1 time in 200 and 4 KiB half of the time, and 1 KiB never passed the entropy limit (the
/// plug-in entropy of n bytes is biased low by (K−1)/(2n·ln 2) bits, Miller–Madow; 0.18 bits at 1 KiB). So each
/// limit is the fixed one of a large sample, widened by the estimator's bias and five standard deviations for n
/// bytes (a random file is judged plain about once in 3.5 million), never narrower:
///   entropy ≥ minEntropy − 255/(2n·ln 2) − 5·√127.5/(n·ln 2)      (the spread for uniform bytes)
///   π error ≤ max(maxPiErrorPercent, 5 · 100·(4/π)·√(p(1−p)/g))   (g = n/6 points, p = π/4)
///   |serial correlation| ≤ max(maxSerialCorrelation, 5/√n)
///   χ² ≥ 255 − 5·√510 ≈ 142                                        (too even to be random)
/// The serial correlation keeps what the wider π limit of a small file would let through (a ramp: every byte
/// value equally often, so 8 bits of entropy) from passing; χ² keeps out content whose values are all equally
/// frequent without neighbouring bytes being alike (a 16-bit counter), at every size.
public struct EncryptionTest: Sendable, Equatable {
    /// Minimum Shannon entropy in bits per byte of a large sample (7.95).
    public var minEntropy: Double = 7.95
    /// Maximum Monte-Carlo π error in percent of a large sample (1.5).
    public var maxPiErrorPercent: Double = 1.5
    /// Maximum |serial correlation| of a large sample (0.01).
    public var maxSerialCorrelation: Double = 0.01
    /// Least χ² of the histogram (255 degrees of freedom, 5 standard deviations below their mean).
    public var minChiSquare: Double = 255 - 5 * Double(510).squareRoot()
    /// Files smaller than this are not judged (1 KiB).
    public var minSize: Int = 1024
    /// At most this many bytes from the start of the file are analysed (1 MiB).
    public var maxBytes: Int = 1 << 20

    public init() {}

    public enum Verdict: Sendable, Equatable {
        case tooSmall(Int)
        case knownFormat(KnownFormat)
        case plain(ContentStatistics)
        case encrypted(ContentStatistics)

        public var isEncrypted: Bool { if case .encrypted = self { true } else { false } }
    }

    /// Judges the first bytes of a file (`prefix.count` ≤ `maxBytes`; a shorter prefix means a shorter file).
    public func judge(_ prefix: UnsafeRawBufferPointer) -> Verdict {
        let data = prefix.count > maxBytes ? UnsafeRawBufferPointer(rebasing: prefix[..<maxBytes]) : prefix
        if data.count < minSize { return .tooSmall(data.count) }
        if let format = KnownFormat.detect(data) { return .knownFormat(format) }
        let stats = ContentStatistics(data)
        let n = data.count
        if stats.entropy >= entropyLimit(bytes: n), stats.piErrorPercent <= piErrorLimit(bytes: n),
           abs(stats.serialCorrelation) <= serialCorrelationLimit(bytes: n), stats.chiSquare >= minChiSquare {
            return .encrypted(stats)
        }
        return .plain(stats)
    }

    private static let ln2 = 0.693147180559945309417232121458176568

    /// The least entropy (bits per byte) a judged sample of `n` random bytes may show (see the type's comment).
    public func entropyLimit(bytes n: Int) -> Double {
        let n = Double(max(n, 1))
        return minEntropy - 255 / (2 * n * Self.ln2) - 5 * Double(127.5).squareRoot() / (n * Self.ln2)
    }

    /// The largest π error (percent) a judged sample of `n` random bytes may show.
    public func piErrorLimit(bytes n: Int) -> Double {
        let points = Double(max(n / 6, 1)), p = Double.pi / 4
        return max(maxPiErrorPercent, 5 * 100 * (4 / Double.pi) * (p * (1 - p) / points).squareRoot())
    }

    /// The largest |serial correlation| a judged sample of `n` random bytes may show.
    public func serialCorrelationLimit(bytes n: Int) -> Double {
        max(maxSerialCorrelation, 5 / Double(max(n, 1)).squareRoot())
    }

    public func judge(_ bytes: [UInt8]) -> Verdict { bytes.withUnsafeBytes { judge($0) } }
}
