//! CLDR plural categories of whole numbers for Parlor's locales (the rules of
//! CLDR 46, `plurals.xml`): English has `one` and `other`; Spanish `one`,
//! `many` (a non-zero multiple of a million: "1 millón de mensajes") and
//! `other`. Shared by the server and the browser, so both choose alike; a test
//! checks them against the `intl_pluralrules` crate.

use super::Locale;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PluralCategory {
    One,
    Many,
    Other,
}

impl PluralCategory {
    /// The category of `n` in `locale`.
    pub fn of(locale: Locale, n: i64) -> Self {
        let n = n.unsigned_abs();
        match locale {
            Locale::En | Locale::EnXa => {
                if n == 1 {
                    Self::One
                } else {
                    Self::Other
                }
            }
            Locale::Es => {
                if n == 1 {
                    Self::One
                } else if n != 0 && n.is_multiple_of(1_000_000) {
                    Self::Many
                } else {
                    Self::Other
                }
            }
        }
    }

    /// The category's CLDR name, as a Fluent variant key writes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::One => "one",
            Self::Many => "many",
            Self::Other => "other",
        }
    }
}

#[cfg(test)]
mod tests {
    use intl_pluralrules::{PluralCategory as Cldr, PluralRuleType, PluralRules};
    use unic_langid::LanguageIdentifier;

    use super::*;

    #[test]
    fn the_categories_agree_with_the_cldr_rules_of_the_intl_pluralrules_crate() {
        for (locale, tag) in [(Locale::En, "en"), (Locale::Es, "es")] {
            let language: LanguageIdentifier = tag.parse().unwrap();
            let rules = PluralRules::create(language, PluralRuleType::CARDINAL).unwrap();
            let samples = (0..=2_000).chain([999_999, 1_000_000, 1_000_001, 2_000_000, 3_500_000, 10_000_000]);
            for n in samples {
                let expected = match rules.select(n).unwrap() {
                    Cldr::ONE => PluralCategory::One,
                    Cldr::MANY => PluralCategory::Many,
                    _ => PluralCategory::Other,
                };
                // CLDR 37 (the crate's data) predates Spanish `many`; CLDR 42 added it.
                let ours = PluralCategory::of(locale, n as i64);
                if locale == Locale::Es && ours == PluralCategory::Many {
                    assert_eq!(expected, PluralCategory::Other, "{tag} {n}");
                } else {
                    assert_eq!(ours, expected, "{tag} {n}");
                }
            }
        }
    }
}
