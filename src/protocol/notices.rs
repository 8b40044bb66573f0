//! What an account's owner is told once on their settings page, until they
//! dismiss it: the API tokens a password change or reset revoked.

use serde::{Deserialize, Serialize};

/// One notice, as the settings page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// A password change or a reset revoked these API tokens (by name); the
    /// person makes new ones if they still need them.
    TokensRevoked {
        tokens: Vec<String>,
        /// When (RFC 3339, UTC).
        at: String,
    },
}

impl Notice {
    /// Its stored kind and particulars (JSON).
    pub fn to_row(&self) -> (&'static str, String) {
        match self {
            Self::TokensRevoked { tokens, .. } => {
                ("tokens_revoked", serde_json::to_string(tokens).unwrap_or_else(|_| "[]".to_owned()))
            }
        }
    }

    /// A stored notice made at `at`; `None` for a kind this version does not know.
    pub fn from_row(kind: &str, detail: &str, at: String) -> Option<Self> {
        match kind {
            "tokens_revoked" => Some(Self::TokensRevoked { tokens: serde_json::from_str(detail).ok()?, at }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_reads_back_as_it_was_stored() {
        let notice =
            Notice::TokensRevoked { tokens: vec!["ci".into(), "déploiement".into()], at: "2026-12-08T10:00:00Z".into() };
        let (kind, detail) = notice.to_row();
        assert_eq!(Notice::from_row(kind, &detail, "2026-12-08T10:00:00Z".into()), Some(notice));
        assert_eq!(Notice::from_row("from_the_future", "{}", String::new()), None);
    }
}
