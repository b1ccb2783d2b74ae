//! Errors (a rule set the engine refuses) and warnings (a rule set that compiles but looks
//! wrong against sample records).

use serde::Serialize;

/// A rule the engine refuses, at compile time (save/install) or when reversing custom fields
/// for a write. Shown to operators and returned in `validation_failed` problem details.
///
/// `code` is stable; one of:
/// `invalid_json`, `not_an_array`, `not_an_object`, `unknown_key`, `missing_target`,
/// `invalid_target`, `unknown_target`, `reserved_target`, `duplicate_target`,
/// `missing_source`, `source_not_allowed`, `transform_not_allowed`, `invalid_source`,
/// `invalid_pointer`, `invalid_template`, `unknown_transform`, `invalid_transform`,
/// `invalid_format`, `type_mismatch`, `invalid_enum_value`, `list_into_scalar`,
/// and for [`crate::Mapping::reverse_custom_fields`]: `not_reversible`,
/// `unknown_custom_field`, `invalid_value`, `conflicting_paths`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("rule {index}{}: {message}", target.as_deref().map(|t| format!(" ({t})")).unwrap_or_default())]
pub struct RuleError {
    /// Position of the rule in its rule set (0-based). For `unknown_custom_field` (no rule),
    /// the position of the custom field in the write body.
    pub index: usize,
    /// The rule's target as shown in the mapping view (`status`, `custom_fields.Budget`,
    /// `custom_fields.*` for a spread), when it could be read.
    pub target: Option<String>,
    pub code: &'static str,
    pub message: String,
}

impl RuleError {
    pub(crate) fn new(
        index: usize,
        target: Option<&str>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        RuleError {
            index,
            target: target.map(str::to_owned),
            code,
            message: message.into(),
        }
    }
}

/// Where an effective rule of a [`crate::Mapping`] comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleOrigin {
    /// The connector's default rules.
    Default,
    /// The connection's own rules.
    Override,
}

/// A rule that compiles but looks wrong against sample records (not an error: a field may
/// simply be empty in the samples).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleWarning {
    /// Position of the rule in its rule set.
    pub index: usize,
    pub origin: RuleOrigin,
    pub target: String,
    /// The pointer, as written.
    pub pointer: String,
    /// `pointer_not_found`.
    pub code: &'static str,
    pub message: String,
}

impl std::fmt::Display for RuleWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "rule {} ({}): {}", self.index, self.target, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display() {
        let e = RuleError::new(
            3,
            Some("status"),
            "invalid_enum_value",
            "\"done\" is not valid",
        );
        assert_eq!(e.to_string(), "rule 3 (status): \"done\" is not valid");
        let e = RuleError::new(0, None, "not_an_array", "a rule set must be a JSON array");
        assert_eq!(e.to_string(), "rule 0: a rule set must be a JSON array");
        assert_eq!(
            serde_json::to_value(RuleOrigin::Override).unwrap(),
            serde_json::json!("override")
        );
    }
}
