// Preconditions as Swift Testing traits: a test whose precondition is missing is reported as
// skipped, with the reason, never as passed.

import Testing

extension Trait where Self == ConditionTrait {
    /// The shared sample trails are present.
    public static var needsSamples: Self {
        .enabled(if: TestEnvironment.samples != nil, Comment(rawValue: TestEnvironment.samplesMissing))
    }

    /// OpenBSM's auditreduce is given (FILEWATCHER_AUDITREDUCE).
    public static var needsAuditreduce: Self {
        .enabled(if: TestEnvironment.auditreduce != nil, Comment(rawValue: TestEnvironment.auditreduceMissing))
    }

    /// OpenBSM's tables are present (../shared/openbsm).
    public static var needsOpenBSMTables: Self {
        .enabled(if: TestEnvironment.openBSMTables != nil, "OpenBSM's audit_event/audit_class tables (../shared/openbsm) are not present")
    }

    /// FILEWATCHER_PRAUDIT names a praudit binary.
    public static var needsPraudit: Self {
        .enabled(if: TestEnvironment.praudit != nil, Comment(rawValue: TestEnvironment.prauditMissing))
    }

    /// A Python with the OCSF validators (ocsf-emitter, py-ocsf-models).
    public static var needsOCSFValidator: Self {
        .enabled(if: TestEnvironment.ocsfPython != nil, Comment(rawValue: TestEnvironment.ocsfValidatorMissing))
    }

    /// Running as root.
    public static var needsRoot: Self {
        .enabled(if: TestEnvironment.isRoot, Comment(rawValue: TestEnvironment.needsRoot))
    }
}
