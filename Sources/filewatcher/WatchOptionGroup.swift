import ArgumentParser
import FileWatchCore

/// An option group of `watch`: declares its options, checks what it can alone (`validate`), and
/// fills in its part of the configuration. A new group is a file of its own conforming to this,
/// plus one `@OptionGroup` line and one `apply` call in WatchCommand.
protocol WatchOptionGroup: ParsableArguments {
    func apply(to configuration: inout WatchConfiguration) throws
}

// The configuration's enums as option values.
extension OutputFormat: ExpressibleByArgument {}
extension ColorMode: ExpressibleByArgument {}
extension TimeFormat: ExpressibleByArgument {}
extension FlushMode: ExpressibleByArgument {}
extension LiveQueue: ExpressibleByArgument {}
extension InputFormat: ExpressibleByArgument {}

/// `--source a,b`: one or more live sources.
struct LiveSourceList: ExpressibleByArgument, Equatable {
    var kinds: [LiveSourceKind]

    init(_ kinds: [LiveSourceKind]) { self.kinds = kinds }

    init?(argument: String) {
        var kinds: [LiveSourceKind] = []
        for name in argument.split(separator: ",") {
            guard let kind = LiveSourceKind(rawValue: String(name).lowercased()) else { return nil }
            kinds.append(kind)
        }
        guard !kinds.isEmpty else { return nil }
        self.kinds = kinds
    }

    static var allValueStrings: [String] { LiveSourceKind.allCases.map(\.rawValue) }
    var defaultValueDescription: String { kinds.map(\.rawValue).joined(separator: ",") }
}

/// A runtime failure reported as `filewatcher: <message>` with exit status 1.
struct RuntimeError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
