import Foundation
import TestSupport

/// The shared sample trails (TestEnvironment.samples) as a URL; tests that use it carry `.needsSamples`.
let samplesDir: URL? = TestEnvironment.samples.map { URL(fileURLWithPath: $0) }

func readBytes(_ url: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }
