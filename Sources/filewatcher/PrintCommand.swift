import ArgumentParser

struct PrintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "print", abstract: "Print BSM audit trails exactly as OpenBSM praudit does.")
    func run() throws { throw ValidationError("print: not built yet") }
}
