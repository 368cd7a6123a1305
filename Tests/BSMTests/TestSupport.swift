import Foundation

/// The repository root, found from this file's path.
let repoRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// `../shared` beside the repository (a worktree two levels down also finds it), or nil.
let sharedDir: URL? = {
    for rel in ["../shared", "../../shared"] {
        let u = repoRoot.appendingPathComponent(rel).standardizedFileURL
        if FileManager.default.fileExists(atPath: u.appendingPathComponent("samples").path) { return u }
    }
    return nil
}()

let samplesDir: URL? = sharedDir?.appendingPathComponent("samples")

func readBytes(_ url: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }

func skipNote(_ what: String) { print("SKIP: \(what): ../shared/samples is not present") }
