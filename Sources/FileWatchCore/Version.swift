/// filewatcher's version: the one place it is written (`--version`, the man pages, and whatever
/// output names its producer).
public enum FileWatcherVersion {
    public static let current = "0.9.0"
}
