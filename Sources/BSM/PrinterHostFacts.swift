// What the printer needs from the host, injected so that BSM stays pure Swift.

/// uid/gid → name, as the local password and group databases say.
public protocol IdentityNames {
    /// The user name of `uid`, or nil when it does not resolve.
    func userName(_ uid: UInt32) -> [UInt8]?
    /// The group name of `gid`, or nil when it does not resolve.
    func groupName(_ gid: UInt32) -> [UInt8]?
}

/// Resolves nothing (`-n`, tests).
public struct NoIdentityNames: IdentityNames, Sendable {
    public init() {}
    public func userName(_ uid: UInt32) -> [UInt8]? { nil }
    public func groupName(_ gid: UInt32) -> [UInt8]? { nil }
}

/// Fixed strerror texts (tests): the glibc texts of the symbols given.
public struct FixedErrorText: HostErrorText, Sendable {
    public var texts: [String: [UInt8]]
    public init(_ texts: [String: String]) { self.texts = texts.mapValues { Array($0.utf8) } }
    public func errorText(symbol: String) -> [UInt8]? { texts[symbol] }
}
