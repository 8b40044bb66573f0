//! Typed query parameters (serde), each with the sentence that explains a bad
//! value: sequence numbers and page sizes.

use serde::Deserialize;

use crate::protocol::{MAX_PAGE_SIZE, PAGE_SIZE};

/// A `seq` in a query string: a non-negative integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct SeqParam(pub i64);

impl TryFrom<String> for SeqParam {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, String> {
        match raw.parse::<i64>() {
            Ok(seq) if seq >= 0 => Ok(Self(seq)),
            _ => Err(format!("`{raw}` is not a sequence number (a non-negative integer)")),
        }
    }
}

/// A page size in a query string: a positive integer; larger than
/// [`MAX_PAGE_SIZE`] is capped rather than refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct LimitParam(pub u64);

impl Default for LimitParam {
    fn default() -> Self {
        Self(PAGE_SIZE)
    }
}

impl TryFrom<String> for LimitParam {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, String> {
        match raw.parse::<u64>() {
            Ok(limit) if limit >= 1 => Ok(Self(limit.min(MAX_PAGE_SIZE))),
            _ => Err(format!("`{raw}` is not a page size (a positive integer)")),
        }
    }
}
