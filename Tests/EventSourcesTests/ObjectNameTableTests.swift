#if os(Linux)
import Testing
@testable import EventSources

/// The hybrid layout's names of files by handle, without a kernel: records built by hand.
@Suite struct ObjectNameTableTests {
    /// Key bytes of a handle record: fsid (8), handle_bytes (4), handle_type (4), handle (8).
    static func key(_ id: UInt8) -> [UInt8] {
        [1, 0, 0, 0, 2, 0, 0, 0] + [8, 0, 0, 0] + [1, 0, 0, 0] + [id, 0, 0, 0, 0, 0, 0, 7]
    }

    /// One buffer holding an object key and a directory key followed by a name, and records over it.
    struct Fixture {
        var bytes: [UInt8]
        var object: FanotifyFIDRecord
        var directory: FanotifyFIDRecord

        init(object id: UInt8, name: String) {
            let objectKey = ObjectNameTableTests.key(id)
            let directoryKey = ObjectNameTableTests.key(200)
            bytes = objectKey + directoryKey + Array(name.utf8)
            object = FanotifyFIDRecord(infoType: 1, fsid: 0x2_0000_0001, handleType: 1, handleOffset: 16, handleLength: 8,
                                       keyOffset: 0, keyLength: 24, nameOffset: 24, nameLength: 0)
            directory = FanotifyFIDRecord(infoType: 2, fsid: 0x2_0000_0001, handleType: 1, handleOffset: 40, handleLength: 8,
                                          keyOffset: 24, keyLength: 24, nameOffset: 48, nameLength: name.utf8.count)
        }
    }

    func path(_ table: ObjectNameTable, _ f: Fixture, _ cache: DirectoryPathCache) -> String? {
        f.bytes.withUnsafeBytes { raw in
            table.path(of: f.object, in: raw, directories: cache).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    @Test func createRenameDeleteWithinOneDrain() {
        let table = ObjectNameTable()
        let cache = DirectoryPathCache()  // no mounts: directories unresolved, so names come alone
        let created = Fixture(object: 1, name: "t.tmp")
        let renamed = Fixture(object: 1, name: "t.done")
        #expect(path(table, created, cache) == nil)

        created.bytes.withUnsafeBytes { table.learn(object: created.object, directory: created.directory, in: $0) }
        #expect(path(table, created, cache) == "t.tmp")

        // Renamed in this drain: content events of this drain keep the first name.
        created.bytes.withUnsafeBytes { old in
            renamed.bytes.withUnsafeBytes { new in
                // Old and new records live in different buffers here; the table copies what it keeps.
                table.renamed(object: created.object, from: created.directory, to: nil, in: old)
                table.learn(object: renamed.object, directory: renamed.directory, in: new)
            }
        }
        #expect(path(table, created, cache) == "t.tmp")
        table.endDrain()
        #expect(path(table, renamed, cache) == "t.done")

        // Deleted: still named in this drain and the next (its content events may come only then),
        // then forgotten.
        renamed.bytes.withUnsafeBytes { table.deleted(object: renamed.object, directory: renamed.directory, in: $0) }
        #expect(path(table, renamed, cache) == "t.done")
        table.endDrain()
        #expect(table.count == 0)
        #expect(path(table, renamed, cache) == "t.done")
        table.endDrain()
        #expect(path(table, renamed, cache) == nil)
    }

    @Test func deleteOfAFileNeverSeenNamesIt() {
        let table = ObjectNameTable()
        let cache = DirectoryPathCache()
        let old = Fixture(object: 9, name: "old.txt")
        old.bytes.withUnsafeBytes { table.deleted(object: old.object, directory: old.directory, in: $0) }
        #expect(path(table, old, cache) == "old.txt")
        table.endDrain()
        table.endDrain()
        #expect(path(table, old, cache) == nil)
    }

    /// A file created, renamed and deleted within one drain: in the next drain (where its content
    /// events may arrive) it still has the name it was created with.
    @Test func wholeLifeInOneDrainKeepsTheFirstNameForTheNext() {
        let table = ObjectNameTable()
        let cache = DirectoryPathCache()
        let created = Fixture(object: 7, name: "new.tmp")
        let renamed = Fixture(object: 7, name: "new.done")
        created.bytes.withUnsafeBytes { table.learn(object: created.object, directory: created.directory, in: $0) }
        created.bytes.withUnsafeBytes { table.renamed(object: created.object, from: created.directory, to: nil, in: $0) }
        renamed.bytes.withUnsafeBytes {
            table.learn(object: renamed.object, directory: renamed.directory, in: $0)
            table.deleted(object: renamed.object, directory: renamed.directory, in: $0)
        }
        table.endDrain()
        #expect(path(table, created, cache) == "new.tmp")
    }

    @Test func pathsReadFromHandlesAreDroppedWhenADirectoryIsRenamed() {
        let table = ObjectNameTable()
        let cache = DirectoryPathCache()
        let a = Fixture(object: 3, name: "a")
        let b = Fixture(object: 4, name: "b")
        a.bytes.withUnsafeBytes { table.remember(Array("/x/a".utf8), for: a.object, in: $0) }
        b.bytes.withUnsafeBytes { table.learn(object: b.object, directory: b.directory, in: $0) }
        #expect(path(table, a, cache) == "/x/a")
        table.directoryRenamed()
        #expect(path(table, a, cache) == nil)
        #expect(path(table, b, cache) == "b")  // follows its directory's handle, which stays valid
    }

    @Test func anUnknownHandleIsNotNamed() {
        let table = ObjectNameTable()
        let cache = DirectoryPathCache()
        let a = Fixture(object: 5, name: "a")
        let other = Fixture(object: 6, name: "zzz")
        a.bytes.withUnsafeBytes { table.learn(object: a.object, directory: a.directory, in: $0) }
        #expect(path(table, other, cache) == nil)
    }
}
#endif
