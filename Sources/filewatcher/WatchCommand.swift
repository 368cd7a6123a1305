import ArgumentParser

struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "watch", abstract: "Watch file events live or replay a trail (default command).")
    func run() throws { throw ValidationError("watch: not built yet") }
}
