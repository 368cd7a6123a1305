import Testing
@testable import BSM

@Suite struct RoundTripTests {
    @Test(arguments: Fixtures.allTokens.map(\.0))
    func tokenRoundTrips(_ name: String) throws {
        let token = Fixtures.allTokens.first { $0.0 == name }!.1
        let bytes = token.encoded
        #expect(bytes.first == token.id.rawValue)
        let (decoded, next) = try Token.decode(bytes)
        #expect(decoded == token)
        #expect(next == bytes.count)
        // Re-encoding gives identical bytes.
        #expect(decoded.encoded == bytes)
    }

    @Test func everyTokenCaseIsCovered() {
        var ids = Set(Fixtures.allTokens.map { $0.1.id.rawValue })
        ids.insert(0x99)  // unknown is covered separately
        let expected: Set<UInt8> = [0x14, 0x15, 0x74, 0x79, 0x13, 0x11, 0x2d, 0x71, 0x21, 0x31, 0x3e, 0x73, 0x52, 0x3c, 0x3d,
                                    0x3b, 0x2a, 0x7e, 0x2b, 0x22, 0x32, 0x2c, 0x29, 0x23, 0x26, 0x77, 0x7b, 0x7d, 0x27, 0x72,
                                    0x2f, 0x2e, 0x7f, 0x80, 0x81, 0x82, 0x24, 0x75, 0x7a, 0x7c, 0x28, 0x60, 0x39, 0x38, 0x84,
                                    0x85, 0x25, 0xed, 0x99]
        #expect(ids == expected)
    }

    @Test func recordWithEveryBodyTokenRoundTrips() throws {
        for kind in HeaderKind.allCases {
            let b = RecordBuilder(kind: kind, event: 42, modifier: 3, seconds: 77, milliseconds: 5, tokens: Fixtures.bodyTokens)
            let bytes = b.bytes
            let items = RecordReader.items(in: bytes)
            #expect(items.count == 1)
            guard case .record(let r) = items.first else { Issue.record("no record"); continue }
            #expect(r.kind == .record && r.offset == 0 && r.count == bytes.count)
            #expect(try r.tokens() == b.expectedTokens)
            // The streaming iterator yields the same tokens.
            var it = r.makeTokenIterator()
            var streamed: [Token] = []
            while let t = try it.next() { streamed.append(t) }
            #expect(streamed == b.expectedTokens)
            #expect(try r.header()?.eventType == 42)
        }
    }

    @Test func unknownTokenTakesTheRestOfTheRecord() throws {
        var b = RecordBuilder(event: 1, seconds: 0, tokens: [.text("a\0")])
        b.append(.unknown(id: 0x99, bytes: BSMBytes([1, 2, 3])))
        let r = Record(kind: .record, offset: 0, bytes: BSMBytes(b.bytes))
        let t = try r.tokens()
        #expect(t.count == 4)
        #expect(t[2] == .unknown(id: 0x99, bytes: BSMBytes([1, 2, 3])))
        #expect(t[3] == .trailer(Trailer(count: UInt32(b.bytes.count))))
    }

    @Test func stringsKeepTheirExactBytes() throws {
        let (t, _) = try Token.decode(Token.path("/a\0b\0").encoded)
        guard case .path(let p) = t else { Issue.record("not a path"); return }
        #expect(p.array == Array("/a\0b\0".utf8))
        #expect(p.trimmingTrailingNULs.array == Array("/a\0b".utf8))
        if case .execArgs(let e) = Token.execArgs(ExecStrings([Array("x".utf8), Array("yz".utf8)])) {
            #expect(e.strings.map(\.description) == ["x", "yz"])
        }
        #expect(Array(GroupList([1, 2, 0xffff_ffff])) == [1, 2, 0xffff_ffff])
    }
}

@Suite struct TruncationTests {
    /// Every strict prefix of every fixed-layout token fails with an offset inside the token.
    @Test func everyTokenPrefixFails() {
        for (name, token) in Fixtures.allTokens {
            if case .sockUnix = token { continue }  // path runs to the end of the available bytes by design
            let bytes = token.encoded
            for n in 0..<bytes.count {
                do {
                    let (t, _) = try Token.decode(Array(bytes[0..<n]), streamOffset: 1000)
                    Issue.record("\(name): prefix \(n) decoded as \(t)")
                } catch {
                    #expect(error.offset >= 1000 && error.offset <= 1000 + n, "\(name) prefix \(n): \(error)")
                }
            }
        }
    }

    /// Every strict prefix of a record with every token type fails cleanly: as a record and framed.
    @Test func everyRecordPrefixFailsCleanly() throws {
        let bytes = RecordBuilder(kind: .header32Ex, event: 9, seconds: 1, address: Fixtures.v6, tokens: Fixtures.bodyTokens).bytes
        for n in 0..<bytes.count {
            let prefix = Array(bytes[0..<n])
            #expect(throws: DecodeError.self) { try Record(kind: .record, offset: 0, bytes: BSMBytes(prefix)).tokens() }
            let items = RecordReader.items(in: prefix)
            if n == 0 { #expect(items.isEmpty); continue }
            guard case .damage(let d) = items.first else { Issue.record("prefix \(n) gave a record"); continue }
            #expect(d.offset == 0)
            if items.count == 1 {
                #expect(d.skipped == n)
            } else {
                // Only a body `file` token that ends exactly at the cut looks like a trail's closing
                // file token; resync may deliver it. Nothing else may come out of a truncated record.
                #expect(items.count == 2, "prefix \(n)")
                guard case .record(let r) = items[1] else { Issue.record("prefix \(n)"); continue }
                #expect(r.kind == .file && r.offset == d.skipped && r.offset + r.count == n)
            }
        }
    }

    @Test func tokenOverrunningTheTrailerIsReported() throws {
        // A path whose length runs into the trailer.
        var bytes = RecordBuilder(event: 1, seconds: 0, tokens: [.path("/tmp/x\0")]).bytes
        bytes[19 + 1] = 12  // path length (u16 low byte) now 12 instead of 7
        let r = Record(kind: .record, offset: 100, bytes: BSMBytes(bytes))
        #expect(throws: DecodeError(offset: 118, reason: .truncatedToken(id: .path, needed: 15, available: 10))) { try r.tokens() }
    }

    @Test func badAddressTypeAndDataUnit() {
        var b = Token.inAddrEx(Fixtures.v4).encoded
        b[4] = 5
        #expect(throws: DecodeError(offset: 1, reason: .badAddressType(id: .inAddrEx, type: 5))) { try Token.decode(b) }
        var d = Token.data(DataToken(howToPrint: 0, basicUnit: 0, unitCount: 1, bytes: "x")).encoded
        d[2] = 9
        #expect(throws: DecodeError(offset: 2, reason: .badDataUnit(9))) { try Token.decode(d) }
    }
}

@Suite struct ForEachTokenTests {
    @Test func forEachTokenMatchesTokensAndReportsErrors() throws {
        let b = RecordBuilder(kind: .header64Ex, event: 5, seconds: 9, address: Fixtures.v6, tokens: Fixtures.bodyTokens)
        let r = Record(kind: .record, offset: 10, bytes: BSMBytes(b.bytes))
        var seen: [Token] = []
        try r.forEachToken { seen.append($0) }
        #expect(seen == b.expectedTokens)

        var bad = b.bytes
        bad[bad.count - 6] = 0  // trailer magic
        var n = 0
        #expect(throws: DecodeError(offset: 10 + bad.count - 7, reason: .badTrailerMagic(0x0005))) {
            try Record(kind: .record, offset: 10, bytes: BSMBytes(bad)).forEachToken { _ in n += 1 }
        }
        #expect(n == b.tokens.count + 1)  // header and body were seen, not the trailer

        let file = Token.file(FileToken(seconds: 1, milliseconds: 2, name: "x\0"))
        var got: [Token] = []
        try Record(kind: .file, offset: 0, bytes: BSMBytes(file.encoded)).forEachToken { got.append($0) }
        #expect(got == [file])
    }
}

@Suite struct TokenIteratorTests {
    @Test func iteratorPeeksAndTakesUnknown() throws {
        let b = RecordBuilder(event: 1, seconds: 0, tokens: [.text("a\0"), .attr(Attr(mode: 1, uid: 2, gid: 3, fsid: 4, nodeid: 5, device: 6)), .seq(9)])
        let r = Record(kind: .record, offset: 50, bytes: BSMBytes(b.bytes))
        var it = r.makeTokenIterator()
        #expect(it.nextID == 0x14 && it.offset == 50)
        _ = try it.next()
        #expect(it.nextID == 0x28 && it.offset == 50 + 18)
        _ = try it.next()
        #expect(it.nextID == 0x31)
        let u = it.nextAsUnknown()
        // attr (28 bytes) and seq (5 bytes) up to the trailer.
        guard case .unknown(0x31, let rest) = u else { Issue.record("\(String(describing: u))"); return }
        #expect(rest.count == 28 + 5)
        #expect(it.nextID == 0x13)
        #expect(it.nextAsUnknown() == nil)
        #expect(try it.next() == .trailer(Trailer(count: UInt32(b.bytes.count))))
        #expect(it.nextID == nil)
        #expect(try it.next() == nil)
    }
}
