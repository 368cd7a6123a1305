#if os(Linux)
import Glibc
import CShims

/// One file-handle info record of an event, as offsets into the read buffer (nothing copied).
struct FanotifyFIDRecord {
    /// FAN_EVENT_INFO_TYPE_FID / _DFID / _DFID_NAME / _OLD_DFID_NAME / _NEW_DFID_NAME.
    var infoType: UInt8
    /// Filesystem id (both 32-bit words), the key of the mount fd to resolve the handle on.
    var fsid: UInt64
    var handleType: Int32
    /// The opaque handle bytes (`f_handle`).
    var handleOffset: Int
    var handleLength: Int
    /// fsid + handle header + handle bytes: the identity of the object, used as a cache key.
    var keyOffset: Int
    var keyLength: Int
    /// The entry name (without its NUL); length 0 when the record has none.
    var nameOffset: Int
    var nameLength: Int
}

/// One event as read from a fanotify group.
struct FanotifyRawEvent {
    var mask: FanotifyMask
    /// The event's open descriptor (fd mode), or FAN_NOFD (-1).
    var fd: Int32
    var pid: Int32
    /// DFID_NAME / DFID / OLD_DFID_NAME: the directory (and entry name) of the event.
    var directory: FanotifyFIDRecord?
    /// NEW_DFID_NAME of a FAN_RENAME.
    var newDirectory: FanotifyFIDRecord?
    /// FID: the object itself (FAN_REPORT_FID).
    var object: FanotifyFIDRecord?
}

enum FanotifyParseError: Error, CustomStringConvertible {
    case version(found: UInt8, expected: UInt8)
    case truncated(offset: Int, reason: String)

    var description: String {
        switch self {
        case .version(let found, let expected):
            return "fanotify: kernel event metadata version \(found), this build understands \(expected)"
        case .truncated(let offset, let reason):
            return "fanotify: malformed event at byte \(offset) of a read: \(reason)"
        }
    }
}

/// Walks the events of one read(2) of a fanotify group, bounds-checking every field.
///
/// Byte layout of one event (little-endian host order, `struct fanotify_event_metadata`, 24 bytes):
/// ```
///   0  u32 event_len      length of this event including info records
///   4  u8  vers           FANOTIFY_METADATA_VERSION (3)
///   5  u8  reserved
///   6  u16 metadata_len   24
///   8  u64 mask           FAN_* bits
///  16  s32 fd             open descriptor or FAN_NOFD (-1)
///  20  s32 pid            process (thread group) id
/// then info records, each starting with `struct fanotify_event_info_header`:
///   0  u8  info_type      FAN_EVENT_INFO_TYPE_*
///   1  u8  pad
///   2  u16 len            record length including this header
/// fid records (FID, DFID, DFID_NAME, OLD_DFID_NAME, NEW_DFID_NAME) continue with:
///   4  s32 fsid[2]        __kernel_fsid_t
///  12  u32 handle_bytes   struct file_handle
///  16  s32 handle_type
///  20  u8  f_handle[handle_bytes]
///      *_NAME records: a NUL-terminated entry name follows, padded to `len`.
/// ```
struct FanotifyEventIterator {
    let buffer: UnsafeRawBufferPointer
    private(set) var offset = 0
    static let metadataLength = Int(fw_fanotify_metadata_size())
    static let metadataVersion = fw_fanotify_metadata_version()

    init(_ buffer: UnsafeRawBufferPointer, offset: Int = 0) { self.buffer = buffer; self.offset = offset }

    mutating func next() throws(FanotifyParseError) -> FanotifyRawEvent? {
        let remaining = buffer.count - offset
        if remaining <= 0 { return nil }
        let start = offset
        guard remaining >= Self.metadataLength else {
            throw .truncated(offset: start, reason: "\(remaining) bytes left, an event header needs \(Self.metadataLength)")
        }
        let eventLength = Int(buffer.loadUnaligned(fromByteOffset: start, as: UInt32.self))
        let version = buffer.loadUnaligned(fromByteOffset: start + 4, as: UInt8.self)
        let metadataLength = Int(buffer.loadUnaligned(fromByteOffset: start + 6, as: UInt16.self))
        guard version == Self.metadataVersion else { throw .version(found: version, expected: Self.metadataVersion) }
        guard eventLength >= Self.metadataLength, eventLength <= remaining,
              metadataLength >= Self.metadataLength, metadataLength <= eventLength else {
            throw .truncated(offset: start, reason: "event_len \(eventLength), metadata_len \(metadataLength), \(remaining) bytes left")
        }
        var event = FanotifyRawEvent(
            mask: FanotifyMask(rawValue: buffer.loadUnaligned(fromByteOffset: start + 8, as: UInt64.self)),
            fd: buffer.loadUnaligned(fromByteOffset: start + 16, as: Int32.self),
            pid: buffer.loadUnaligned(fromByteOffset: start + 20, as: Int32.self))
        offset = start + eventLength

        var recordStart = start + metadataLength
        let end = start + eventLength
        while recordStart + 4 <= end {
            let infoType = buffer.loadUnaligned(fromByteOffset: recordStart, as: UInt8.self)
            let recordLength = Int(buffer.loadUnaligned(fromByteOffset: recordStart + 2, as: UInt16.self))
            guard recordLength >= 4, recordStart + recordLength <= end else {
                throw .truncated(offset: recordStart, reason: "info record of length \(recordLength) overruns its event")
            }
            switch Int32(infoType) {
            case FAN_EVENT_INFO_TYPE_FID, FAN_EVENT_INFO_TYPE_DFID, FAN_EVENT_INFO_TYPE_DFID_NAME,
                 FAN_EVENT_INFO_TYPE_OLD_DFID_NAME, FAN_EVENT_INFO_TYPE_NEW_DFID_NAME:
                guard recordLength >= 20 else {
                    throw .truncated(offset: recordStart, reason: "file-handle record of \(recordLength) bytes")
                }
                let handleLength = Int(buffer.loadUnaligned(fromByteOffset: recordStart + 12, as: UInt32.self))
                guard 20 + handleLength <= recordLength else {
                    throw .truncated(offset: recordStart, reason: "file handle of \(handleLength) bytes overruns its record")
                }
                let fsidLow = buffer.loadUnaligned(fromByteOffset: recordStart + 4, as: UInt32.self)
                let fsidHigh = buffer.loadUnaligned(fromByteOffset: recordStart + 8, as: UInt32.self)
                var record = FanotifyFIDRecord(
                    infoType: infoType, fsid: UInt64(fsidLow) | UInt64(fsidHigh) << 32,
                    handleType: buffer.loadUnaligned(fromByteOffset: recordStart + 16, as: Int32.self),
                    handleOffset: recordStart + 20, handleLength: handleLength,
                    keyOffset: recordStart + 4, keyLength: 16 + handleLength,
                    nameOffset: recordStart + 20 + handleLength, nameLength: 0)
                let isNamed = Int32(infoType) == FAN_EVENT_INFO_TYPE_DFID_NAME
                    || Int32(infoType) == FAN_EVENT_INFO_TYPE_OLD_DFID_NAME
                    || Int32(infoType) == FAN_EVENT_INFO_TYPE_NEW_DFID_NAME
                if isNamed {
                    var i = record.nameOffset
                    let recordEnd = recordStart + recordLength
                    while i < recordEnd && buffer[i] != 0 { i += 1 }
                    record.nameLength = i - record.nameOffset
                }
                switch Int32(infoType) {
                case FAN_EVENT_INFO_TYPE_FID: event.object = record
                case FAN_EVENT_INFO_TYPE_NEW_DFID_NAME: event.newDirectory = record
                default: event.directory = record
                }
            default:
                break  // pidfd, error and future records: not used
            }
            recordStart += recordLength
        }
        return event
    }
}
#endif
