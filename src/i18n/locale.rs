//! The locales Parlor speaks, and choosing one from what a browser asks for
//! (`Accept-Language`, quality values honoured; a region falls back to its
//! language: `es-MX` is `es`).

use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A locale with a catalog. `EnXa` is the pseudo-locale for tests: English,
/// every message bracketed and lengthened, so that text outside the catalogs
/// and layouts that break with longer words show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, strum::EnumIter)]
pub enum Locale {
    #[default]
    #[serde(rename = "en")]
    En,
    #[serde(rename = "es")]
    Es,
    #[serde(rename = "en-XA")]
    EnXa,
}

impl Locale {
    /// The BCP 47 tag (`<html lang>`, the account's setting).
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Es => "es",
            Self::EnXa => "en-XA",
        }
    }

    /// The locales a person may choose in their settings (not the pseudo-locale).
    pub const CHOOSABLE: [Locale; 2] = [Locale::En, Locale::Es];

    /// The locale of `tag` if a person may choose it (`en`, `es`; not the pseudo-locale).
    pub fn choosable(tag: &str) -> Option<Self> {
        tag.parse().ok().filter(|locale| Self::CHOOSABLE.contains(locale))
    }

    /// The first of the browser's languages (by quality, then order) that
    /// Parlor speaks; none when it speaks none of them. The pseudo-locale is
    /// chosen only by its exact tag.
    pub fn from_accept_language(header: &str) -> Option<Self> {
        let mut asked: Vec<(u16, usize, &str)> = header
            .split(',')
            .enumerate()
            .filter_map(|(order, item)| {
                let mut parts = item.split(';');
                let tag = parts.next()?.trim();
                let quality = parts
                    .find_map(|p| p.trim().strip_prefix("q=").map(str::trim))
                    .map_or(Some(1000), |q| q.parse::<f32>().ok().map(|q| (q.clamp(0.0, 1.0) * 1000.0) as u16))?;
                (!tag.is_empty() && quality > 0).then_some((quality, order, tag))
            })
            .collect();
        asked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        asked.into_iter().find_map(|(_, _, tag)| Self::matching(tag))
    }

    /// The locale for a tag the browser or a person gave: exact, else by its
    /// language (`es-MX` → `es`, `en-GB` → `en`).
    pub fn matching(tag: &str) -> Option<Self> {
        if let Ok(exact) = tag.parse() {
            return Some(exact);
        }
        let language = tag.split(['-', '_']).next()?.to_ascii_lowercase();
        match language.as_str() {
            "en" => Some(Self::En),
            "es" => Some(Self::Es),
            _ => None,
        }
    }

    /// `n` as the locale writes whole numbers: `12,345` in English, `12.345`
    /// in Spanish (which groups only from five digits: `1234`).
    pub fn number(self, n: i64) -> String {
        let digits = n.unsigned_abs().to_string();
        let (separator, min_digits) = match self {
            Self::En | Self::EnXa => (',', 4),
            Self::Es => ('.', 5),
        };
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
        if n < 0 {
            out.push('-');
        }
        if digits.len() < min_digits {
            out.push_str(&digits);
            return out;
        }
        for (i, digit) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(separator);
            }
            out.push(digit);
        }
        out
    }
}

impl FromStr for Locale {
    type Err = String;

    fn from_str(tag: &str) -> Result<Self, Self::Err> {
        match tag {
            "en" => Ok(Self::En),
            "es" => Ok(Self::Es),
            "en-XA" | "en-xa" => Ok(Self::EnXa),
            other => Err(format!("unknown locale {other:?} (known: en, es, en-XA)")),
        }
    }
}

impl std::fmt::Display for Locale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.tag())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_honours_quality_then_order_and_falls_back_to_the_language() {
        assert_eq!(Locale::from_accept_language("es-MX,es;q=0.9,en;q=0.8"), Some(Locale::Es));
        assert_eq!(Locale::from_accept_language("fr-FR, en;q=0.5, es;q=0.7"), Some(Locale::Es));
        assert_eq!(Locale::from_accept_language("de, fr;q=0.9"), None);
        assert_eq!(Locale::from_accept_language("en-GB"), Some(Locale::En));
        assert_eq!(Locale::from_accept_language("es;q=0, en;q=0.1"), Some(Locale::En), "q=0 means not wanted");
        assert_eq!(Locale::from_accept_language("en-XA"), Some(Locale::EnXa));
        assert_eq!(Locale::from_accept_language(""), None);
        assert_eq!(Locale::from_accept_language("*"), None);
    }

    #[test]
    fn numbers_are_grouped_as_the_locale_writes_them() {
        assert_eq!(Locale::En.number(1234), "1,234");
        assert_eq!(Locale::Es.number(1234), "1234");
        assert_eq!(Locale::Es.number(12345), "12.345");
        assert_eq!(Locale::En.number(-1_234_567), "-1,234,567");
        assert_eq!(Locale::En.number(999), "999");
    }
}
