/// Unchecked big-endian field reads for the hot paths that have already checked the bounds of the
/// whole token or record (the framer and the praudit printer). The decoder's own reads are checked.
@inline(__always)
func be16(_ p: UnsafeRawBufferPointer, _ i: Int) -> UInt16 {
    UInt16(bigEndian: p.loadUnaligned(fromByteOffset: i, as: UInt16.self))
}

@inline(__always)
func be32(_ p: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
    UInt32(bigEndian: p.loadUnaligned(fromByteOffset: i, as: UInt32.self))
}

@inline(__always)
func be64(_ p: UnsafeRawBufferPointer, _ i: Int) -> UInt64 {
    UInt64(bigEndian: p.loadUnaligned(fromByteOffset: i, as: UInt64.self))
}
