// Bounds-checked token decoder. All numbers are big-endian on the wire. Each token decoder has
// its byte layout (after the 1-byte token id) in the comment above it. A decoder never reads
// past `limit` (the start of the record's trailer, or the end of the given bytes).

/// Reads big-endian fields from a raw buffer, never past `limit`.
@usableFromInline
struct ByteReader {
    @usableFromInline let p: UnsafeRawBufferPointer
    @usableFromInline let storage: [UInt8]
    @usableFromInline var pos: Int
    @usableFromInline let limit: Int
    /// Absolute stream offset of storage index 0.
    @usableFromInline let base: Int
    /// Start (storage index) and id of the token being decoded, for error messages.
    @usableFromInline var tokenStart: Int
    @usableFromInline var id: TokenID

    @inlinable
    init(p: UnsafeRawBufferPointer, storage: [UInt8], pos: Int, limit: Int, base: Int) {
        self.p = p
        self.storage = storage
        self.pos = pos
        self.limit = limit
        self.base = base
        self.tokenStart = pos
        self.id = .invalid
    }

    @inlinable
    func truncated(_ n: Int) -> DecodeError {
        DecodeError(offset: base + tokenStart,
                    reason: .truncatedToken(id: id, needed: pos - tokenStart + n, available: limit - tokenStart))
    }

    @inlinable @inline(__always)
    mutating func need(_ n: Int) throws(DecodeError) {
        if n < 0 || limit - pos < n { throw truncated(n) }
    }

    @inlinable @inline(__always)
    mutating func u8() throws(DecodeError) -> UInt8 {
        try need(1)
        let v = p[pos]
        pos &+= 1
        return v
    }
    @inlinable @inline(__always)
    mutating func u16() throws(DecodeError) -> UInt16 {
        try need(2)
        let v = p.loadUnaligned(fromByteOffset: pos, as: UInt16.self)
        pos &+= 2
        return UInt16(bigEndian: v)
    }
    @inlinable @inline(__always)
    mutating func u32() throws(DecodeError) -> UInt32 {
        try need(4)
        let v = p.loadUnaligned(fromByteOffset: pos, as: UInt32.self)
        pos &+= 4
        return UInt32(bigEndian: v)
    }
    @inlinable @inline(__always)
    mutating func u64() throws(DecodeError) -> UInt64 {
        try need(8)
        let v = p.loadUnaligned(fromByteOffset: pos, as: UInt64.self)
        pos &+= 8
        return UInt64(bigEndian: v)
    }
    @inlinable @inline(__always)
    mutating func bytes(_ n: Int) throws(DecodeError) -> BSMBytes {
        try need(n)
        let b = BSMBytes(unchecked: storage, pos, pos &+ n)
        pos &+= n
        return b
    }
    // Unchecked readers: only after a `need` that covers them.
    @inlinable @inline(__always)
    mutating func f8() -> UInt8 {
        let v = p.load(fromByteOffset: pos, as: UInt8.self)
        pos &+= 1
        return v
    }
    @inlinable @inline(__always)
    mutating func f16() -> UInt16 {
        let v = p.loadUnaligned(fromByteOffset: pos, as: UInt16.self)
        pos &+= 2
        return UInt16(bigEndian: v)
    }
    @inlinable @inline(__always)
    mutating func f32() -> UInt32 {
        let v = p.loadUnaligned(fromByteOffset: pos, as: UInt32.self)
        pos &+= 4
        return UInt32(bigEndian: v)
    }
    @inlinable @inline(__always)
    mutating func f64() -> UInt64 {
        let v = p.loadUnaligned(fromByteOffset: pos, as: UInt64.self)
        pos &+= 8
        return UInt64(bigEndian: v)
    }

    /// A u16 length followed by that many bytes.
    @inlinable @inline(__always)
    mutating func counted16() throws(DecodeError) -> BSMBytes {
        let n = try u16()
        return try bytes(Int(n))
    }
    /// 4 (IPv4) or 16 (IPv6) address bytes per `type`.
    @inlinable
    mutating func address(type: UInt32, allowOther: Bool = false) throws(DecodeError) -> IPAddress {
        switch type {
        case AddressType.ipv4: return .v4(try u32())
        case AddressType.ipv6:
            let h = try u64()
            return .v6(h, try u64())
        default:
            if allowOther { return .other(type: type) }
            throw DecodeError(offset: base + pos - 4, reason: .badAddressType(id: id, type: type))
        }
    }
}

extension Token {
    /// Decodes one token at `r.pos` (the id byte). `trailerLimit` bounds the `unknown` token's
    /// payload (praudit: "the rest of the record up to the trailer").
    static func decode(_ r: inout ByteReader) throws(DecodeError) -> Token {
        r.tokenStart = r.pos
        r.id = .invalid
        let idByte = try r.u8()
        r.id = TokenID(idByte)
        switch idByte {
        // header32: size u32, version u8, e_type u16, e_mod u16, seconds u32, msec u32
        case 0x14:
            try r.need(17)
            let size = r.f32(), version = r.f8(), e = r.f16(), m = r.f16()
            let s = r.f32(), ms = r.f32()
            return .header32(Header(size: size, version: version, eventType: e, eventModifier: m, address: nil,
                                    seconds: UInt64(s), milliseconds: UInt64(ms)))
        // header32_ex: size u32, version u8, e_type u16, e_mod u16, ad_type u32,
        //              address (4 bytes if ad_type 4, 16 if 16, none otherwise), seconds u32, msec u32
        case 0x15:
            try r.need(13)
            let size = r.f32(), version = r.f8(), e = r.f16(), m = r.f16()
            let t = r.f32()
            let a = try r.address(type: t, allowOther: true)
            let s = try r.u32(), ms = try r.u32()
            return .header32Ex(Header(size: size, version: version, eventType: e, eventModifier: m, address: a,
                                      seconds: UInt64(s), milliseconds: UInt64(ms)))
        // header64: size u32, version u8, e_type u16, e_mod u16, seconds u64, msec u64
        case 0x74:
            try r.need(25)
            let size = r.f32(), version = r.f8(), e = r.f16(), m = r.f16()
            let s = r.f64(), ms = r.f64()
            return .header64(Header(size: size, version: version, eventType: e, eventModifier: m, address: nil,
                                    seconds: s, milliseconds: ms))
        // header64_ex: size u32, version u8, e_type u16, e_mod u16, ad_type u32,
        //              address (4/16/0 bytes), seconds u64, msec u64
        case 0x79:
            try r.need(13)
            let size = r.f32(), version = r.f8(), e = r.f16(), m = r.f16()
            let t = r.f32()
            let a = try r.address(type: t, allowOther: true)
            let s = try r.u64(), ms = try r.u64()
            return .header64Ex(Header(size: size, version: version, eventType: e, eventModifier: m, address: a,
                                      seconds: s, milliseconds: ms))
        // trailer: magic u16 (0xb105), count u32
        case 0x13:
            try r.need(6)
            let magic = r.f16()
            return .trailer(Trailer(magic: magic, count: r.f32()))
        // file (other_file32): seconds u32, msec u32, name length u16, name bytes
        case 0x11:
            try r.need(8)
            let s = r.f32(), ms = r.f32()
            return .file(FileToken(seconds: s, milliseconds: ms, name: try r.counted16()))
        // arg32: arg number u8, value u32, text length u16, text bytes
        case 0x2d:
            try r.need(5)
            let n = r.f8(), v = r.f32()
            return .arg32(Arg(number: n, value: UInt64(v), text: try r.counted16()))
        // arg64: arg number u8, value u64, text length u16, text bytes
        case 0x71:
            try r.need(9)
            let n = r.f8(), v = r.f64()
            return .arg64(Arg(number: n, value: v, text: try r.counted16()))
        // data: how-to-print u8, basic unit u8 (0 byte,1 short,2 int32,3 int64), unit count u8,
        //       unit count × unit size bytes
        case 0x21:
            try r.need(3)
            let how = r.f8(), unit = r.f8(), cnt = r.f8()
            guard let size = DataToken.unitSize(unit) else {
                throw DecodeError(offset: r.base + r.pos - 2, reason: .badDataUnit(unit))
            }
            return .data(DataToken(howToPrint: how, basicUnit: unit, unitCount: cnt, bytes: try r.bytes(size * Int(cnt))))
        // attr (0x31) / attr32 (0x3e): mode u32, uid u32, gid u32, fsid u32, nodeid u64, device u32
        case 0x31, 0x3e:
            try r.need(28)
            let mode = r.f32(), uid = r.f32(), gid = r.f32(), fsid = r.f32()
            let node = r.f64(), dev = r.f32()
            let a = Attr(mode: mode, uid: uid, gid: gid, fsid: fsid, nodeid: node, device: UInt64(dev))
            return idByte == 0x31 ? .attr(a) : .attr32(a)
        // attr64: mode u32, uid u32, gid u32, fsid u32, nodeid u64, device u64
        case 0x73:
            try r.need(32)
            let mode = r.f32(), uid = r.f32(), gid = r.f32(), fsid = r.f32()
            let node = r.f64(), dev = r.f64()
            return .attr64(Attr(mode: mode, uid: uid, gid: gid, fsid: fsid, nodeid: node, device: dev))
        // exit: status u32, return value u32
        case 0x52:
            try r.need(8)
            let s = r.f32()
            return .exit(ExitToken(status: s, ret: r.f32()))
        // exec_args (0x3c) / exec_env (0x3d): count u32, then count NUL-terminated strings
        case 0x3c, 0x3d:
            let count = try r.u32()
            let start = r.pos
            var i: UInt32 = 0
            while i < count {
                // Find the NUL of the next string within the limit.
                var e = r.pos
                while e < r.limit && r.p[e] != 0 { e &+= 1 }
                if e >= r.limit { try r.need(e - r.pos + 1) }
                r.pos = e &+ 1
                i &+= 1
            }
            let s = ExecStrings(count: count, raw: BSMBytes(unchecked: r.storage, start, r.pos))
            return idByte == 0x3c ? .execArgs(s) : .execEnv(s)
        // newgroups: count u16, count × gid u32
        case 0x3b:
            let n = try r.u16()
            return .newgroups(GroupList(raw: try r.bytes(4 * Int(n))))
        // in_addr: IPv4 address (4 bytes)
        case 0x2a:
            return .inAddr(try r.u32())
        // in_addr_ex: type u32 (4 or 16), address 4 or 16 bytes
        case 0x7e:
            let t = try r.u32()
            return .inAddrEx(try r.address(type: t))
        // ip: version u8, tos u8, length u16, id u16, offset u16, ttl u8, protocol u8,
        //     checksum u16, source 4 bytes, destination 4 bytes
        case 0x2b:
            try r.need(20)
            let v = r.f8(), tos = r.f8(), len = r.f16(), id = r.f16(), off = r.f16()
            let ttl = r.f8(), prot = r.f8(), ck = r.f16(), src = r.f32(), dst = r.f32()
            return .ip(IPHeaderToken(version: v, tos: tos, length: len, id: id, offset: off, ttl: ttl, prot: prot,
                                     checksum: ck, source: src, destination: dst))
        // ipc: object type u8, object id u32
        case 0x22:
            try r.need(5)
            let t = r.f8()
            return .ipc(IPCToken(type: t, id: r.f32()))
        // ipc_perm: uid u32, gid u32, creator uid u32, creator gid u32, mode u32, seq u32, key u32
        case 0x32:
            try r.need(28)
            let uid = r.f32(), gid = r.f32(), puid = r.f32(), pgid = r.f32()
            let mode = r.f32(), seq = r.f32(), key = r.f32()
            return .ipcPerm(IPCPerm(uid: uid, gid: gid, puid: puid, pgid: pgid, mode: mode, seq: seq, key: key))
        // iport: port u16 (network order)
        case 0x2c:
            return .iport(try r.u16())
        // opaque: size u16, size bytes
        case 0x29:
            return .opaque(try r.counted16())
        // path: length u16, path bytes (NUL included by writers)
        case 0x23:
            return .path(try r.counted16())
        // xatpath: length u16, path bytes
        case 0x25:
            return .xatpath(try r.counted16())
        // process32 (0x26) / subject32 (0x24): auid, euid, egid, ruid, rgid, pid, sid u32,
        //     terminal port u32, terminal address 4 bytes
        // process64 (0x77) / subject64 (0x75): same, terminal port u64
        case 0x24, 0x26, 0x75, 0x77:
            try r.need(28)
            let auid = r.f32(), euid = r.f32(), egid = r.f32(), ruid = r.f32()
            let rgid = r.f32(), pid = r.f32(), sid = r.f32()
            let port: UInt64 = (idByte == 0x24 || idByte == 0x26) ? UInt64(try r.u32()) : try r.u64()
            let a = try r.u32()
            let s = Subject(auid: auid, euid: euid, egid: egid, ruid: ruid, rgid: rgid, pid: pid, sid: sid,
                            port: port, address: .v4(a))
            switch idByte {
            case 0x24: return .subject32(s)
            case 0x26: return .process32(s)
            case 0x75: return .subject64(s)
            default: return .process64(s)
            }
        // process32_ex (0x7b) / subject32_ex (0x7a): auid, euid, egid, ruid, rgid, pid, sid u32,
        //     terminal port u32, address type u32 (4/16), address 4 or 16 bytes
        // process64_ex (0x7d) / subject64_ex (0x7c): same, terminal port u64
        case 0x7a, 0x7b, 0x7c, 0x7d:
            try r.need(28)
            let auid = r.f32(), euid = r.f32(), egid = r.f32(), ruid = r.f32()
            let rgid = r.f32(), pid = r.f32(), sid = r.f32()
            let port: UInt64 = (idByte == 0x7a || idByte == 0x7b) ? UInt64(try r.u32()) : try r.u64()
            let t = try r.u32()
            let a = try r.address(type: t)
            let s = Subject(auid: auid, euid: euid, egid: egid, ruid: ruid, rgid: rgid, pid: pid, sid: sid,
                            port: port, address: a)
            switch idByte {
            case 0x7a: return .subject32Ex(s)
            case 0x7b: return .process32Ex(s)
            case 0x7c: return .subject64Ex(s)
            default: return .process64Ex(s)
            }
        // return32: status (BSM errno) u8, return value u32
        case 0x27:
            try r.need(5)
            let s = r.f8()
            return .return32(ReturnToken(status: s, value: UInt64(r.f32())))
        // return64: status u8, return value u64
        case 0x72:
            try r.need(9)
            let s = r.f8()
            return .return64(ReturnToken(status: s, value: r.f64()))
        // seq: sequence number u32
        case 0x2f:
            return .seq(try r.u32())
        // socket: type u16, local port u16, local address 4 bytes, remote port u16, remote address 4 bytes
        case 0x2e:
            try r.need(14)
            let t = r.f16(), lp = r.f16(), la = r.f32(), rp = r.f16(), ra = r.f32()
            return .socket(SocketToken(type: t, localPort: lp, localAddress: la, remotePort: rp, remoteAddress: ra))
        // socket_ex: domain u16, type u16, address type u16 (4/16), local port u16,
        //     local address 4/16 bytes, remote port u16, remote address 4/16 bytes
        case 0x7f:
            try r.need(6)
            let d = r.f16(), t = r.f16(), at = r.f16()
            if at != 4 && at != 16 {
                throw DecodeError(offset: r.base + r.pos - 2, reason: .badAddressType(id: .socketEx, type: UInt32(at)))
            }
            let lp = try r.u16()
            let la = try r.address(type: UInt32(at))
            let rp = try r.u16()
            let ra = try r.address(type: UInt32(at))
            return .socketEx(SocketEx(domain: d, type: t, localPort: lp, localAddress: la, remotePort: rp, remoteAddress: ra))
        // sockinet32: family u16, port u16, IPv4 address 4 bytes
        case 0x80:
            try r.need(8)
            let f = r.f16(), port = r.f16()
            return .sockInet32(SockInet(family: f, port: port, address: .v4(r.f32())))
        // sockinet128: family u16, port u16, IPv6 address 16 bytes
        case 0x81:
            let f = try r.u16(), port = try r.u16()
            return .sockInet128(SockInet(family: f, port: port, address: try r.address(type: AddressType.ipv6)))
        // sockunix: family u16, path up to and including its NUL, at most 108 bytes
        //     (without a NUL in reach: min(108, bytes left) bytes)
        case 0x82:
            let f = try r.u16()
            let search = min(r.limit - r.pos, 108)
            var e = r.pos
            while e < r.pos + search && r.p[e] != 0 { e &+= 1 }
            let n = e < r.pos + search ? e - r.pos + 1 : search
            return .sockUnix(SockUnix(family: f, path: try r.bytes(n)))
        // text: length u16, text bytes
        case 0x28:
            return .text(try r.counted16())
        // zonename: length u16, name bytes
        case 0x60:
            return .zonename(try r.counted16())
        // upriv: success/failure u8, length u16, privilege name bytes
        case 0x39:
            let sorf = try r.u8()
            return .upriv(UPriv(successOrFailure: sorf, privilege: try r.counted16()))
        // priv (privset): set-type length u16, set-type bytes, privileges length u16, privileges bytes
        case 0x38:
            let t = try r.counted16()
            return .priv(PrivSet(setType: t, privileges: try r.counted16()))
        // arg_uuid (0x84) / ret_uuid (0x85): number u8, uuid 16 bytes, text length u16, text bytes
        case 0x84, 0x85:
            try r.need(17)
            let n = r.f8(), h = r.f64(), l = r.f64()
            let u = UUIDToken(number: n, uuid: BSMUUID(high: h, low: l), text: try r.counted16())
            return idByte == 0x84 ? .argUUID(u) : .retUUID(u)
        // identity (Apple): signer type u32, signing-id length u16 + bytes, signing-id truncated u8,
        //     team-id length u16 + bytes, team-id truncated u8, cdhash length u16 + bytes
        case 0xed:
            let st = try r.u32(), sid = try r.counted16(), st1 = try r.u8()
            let tid = try r.counted16(), st2 = try r.u8(), cd = try r.counted16()
            return .identity(Identity(signerType: st, signingID: sid, signingIDTruncated: st1, teamID: tid,
                                      teamIDTruncated: st2, cdHash: cd))
        // anything else: the rest of the record up to the trailer (praudit's "unknown")
        default:
            let rest = BSMBytes(unchecked: r.storage, r.pos, r.limit)
            r.pos = r.limit
            return .unknown(id: idByte, bytes: rest)
        }
    }

    /// Decodes the single token that starts at `offset` in `bytes`, reading no further than
    /// `limit` (default: the end). Returns the token and the offset just past it.
    /// `streamOffset` is added to error offsets (the absolute position of `bytes[0]`).
    public static func decode(_ bytes: [UInt8], at offset: Int = 0, limit: Int? = nil,
                              streamOffset: Int = 0) throws(DecodeError) -> (token: Token, next: Int) {
        let lim = min(limit ?? bytes.count, bytes.count)
        guard offset >= 0, offset < lim else {
            throw DecodeError(offset: streamOffset + max(offset, 0),
                              reason: .truncatedToken(id: .invalid, needed: 1, available: 0))
        }
        let r: Result<(Token, Int), DecodeError> = bytes.withUnsafeBytes { p in
            var rd = ByteReader(p: p, storage: bytes, pos: offset, limit: lim, base: streamOffset)
            do throws(DecodeError) {
                let t = try Token.decode(&rd)
                return .success((t, rd.pos))
            } catch { return .failure(error) }
        }
        let (t, n) = try r.get()
        return (t, n)
    }

    /// Decodes back-to-back tokens filling all of `bytes` (e.g. one token written alone).
    public static func decodeAll(_ bytes: [UInt8], streamOffset: Int = 0) throws(DecodeError) -> [Token] {
        var out: [Token] = []
        var pos = 0
        while pos < bytes.count {
            let (t, n) = try decode(bytes, at: pos, streamOffset: streamOffset)
            out.append(t)
            pos = n
        }
        return out
    }
}
