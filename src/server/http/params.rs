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

/// An integer field of a form or JSON body: `7` or `"7"`.
pub fn number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Number(i64),
        Text(String),
    }
    match Either::deserialize(deserializer)? {
        Either::Number(n) => Ok(n),
        Either::Text(text) => {
            text.trim().parse().map_err(|_| serde::de::Error::custom(format!("`{text}` is not a whole number")))
        }
    }
}

/// A list field of a form or JSON body: a JSON array of strings, or one
/// string of comma-separated items (as a form sends it); items trimmed, empty ones dropped.
pub fn list<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Items(Vec<String>),
        Text(String),
    }
    let items = match Either::deserialize(deserializer)? {
        Either::Items(items) => items,
        Either::Text(text) => text.split(',').map(str::to_owned).collect(),
    };
    Ok(items.into_iter().map(|item| item.trim().to_owned()).filter(|item| !item.is_empty()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Body {
        #[serde(deserialize_with = "number")]
        id: i64,
        #[serde(deserialize_with = "list")]
        rooms: Vec<String>,
    }

    #[test]
    fn forms_and_json_say_numbers_and_lists_alike() {
        let expected = Body { id: 7, rooms: vec!["a".into(), "b".into()] };
        assert_eq!(serde_json::from_str::<Body>(r#"{"id":7,"rooms":["a"," b "]}"#).unwrap(), expected);
        assert_eq!(serde_json::from_str::<Body>(r#"{"id":"7","rooms":"a,b,"}"#).unwrap(), expected);
        assert_eq!(serde_urlencoded::from_str::<Body>("id=7&rooms=a%2Cb").unwrap(), expected);
        assert!(serde_urlencoded::from_str::<Body>("id=seven&rooms=a").is_err());
    }
}
