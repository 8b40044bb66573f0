//! One message of a catalog, compiled: literal text, the variables put into
//! it, and choices by a number's plural category (CLDR) or exact value. The
//! server compiles the Fluent files into these (`catalog`); the browser gets
//! the ones its islands show, so that a text reads the same whichever side
//! renders it — one formatter for both.

use serde::{Deserialize, Serialize};

use super::{Locale, plural::PluralCategory};

/// A compiled message: its pieces in order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Text(pub Vec<Piece>);

/// A piece of a message. Externally tagged with one letter (`{"t":"Hi "}`):
/// the page carries its islands' messages, and the browser decodes them
/// without buffering.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Piece {
    /// Text as written.
    #[serde(rename = "t")]
    Literal(String),
    /// `{ $name }`: the argument `name`.
    #[serde(rename = "v")]
    Var(String),
    /// `{ $count -> [one] … *[other] … }`: the variant whose key is the
    /// number's exact value or its plural category; else the default.
    #[serde(rename = "s")]
    Select { on: String, variants: Vec<(String, Text)>, default: usize },
}

/// A value given to a message.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg<'a> {
    Str(&'a str),
    Num(i64),
}

impl From<i64> for Arg<'_> {
    fn from(n: i64) -> Self {
        Self::Num(n)
    }
}

impl From<i32> for Arg<'_> {
    fn from(n: i32) -> Self {
        Self::Num(n.into())
    }
}

impl From<usize> for Arg<'_> {
    fn from(n: usize) -> Self {
        Self::Num(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Self::Str(s)
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(s: &'a String) -> Self {
        Self::Str(s)
    }
}

impl Text {
    /// The message in `locale` with `args` put in (an argument not given shows
    /// as `{$name}`, so that a mistake is seen, never hidden).
    pub fn format(&self, locale: Locale, args: &[(&str, Arg<'_>)]) -> String {
        let mut out = String::new();
        self.write(locale, args, &mut out);
        out
    }

    fn write(&self, locale: Locale, args: &[(&str, Arg<'_>)], out: &mut String) {
        let arg = |name: &str| args.iter().find(|(n, _)| *n == name).map(|(_, value)| value);
        for piece in &self.0 {
            match piece {
                Piece::Literal(text) => out.push_str(text),
                Piece::Var(var) => match arg(var) {
                    Some(Arg::Str(s)) => out.push_str(s),
                    Some(Arg::Num(n)) => out.push_str(&locale.number(*n)),
                    None => {
                        out.push_str("{$");
                        out.push_str(var);
                        out.push('}');
                    }
                },
                Piece::Select { on, variants, default } => {
                    let chosen = match arg(on) {
                        Some(Arg::Num(n)) => {
                            let exact = n.to_string();
                            let category = PluralCategory::of(locale, *n).name();
                            variants
                                .iter()
                                .position(|(key, _)| *key == exact)
                                .or_else(|| variants.iter().position(|(key, _)| key == category))
                        }
                        Some(Arg::Str(s)) => variants.iter().position(|(key, _)| key == s),
                        None => None,
                    };
                    if let Some((_, text)) = variants.get(chosen.unwrap_or(*default)) {
                        text.write(locale, args, out);
                    }
                }
            }
        }
    }

    /// The names of the variables the message uses (in any variant), sorted.
    pub fn variables(&self) -> Vec<String> {
        let mut names = Vec::new();
        self.collect_variables(&mut names);
        names.sort();
        names.dedup();
        names
    }

    fn collect_variables(&self, names: &mut Vec<String>) {
        for piece in &self.0 {
            match piece {
                Piece::Literal(_) => {}
                Piece::Var(var) => names.push(var.clone()),
                Piece::Select { on, variants, .. } => {
                    names.push(on.clone());
                    for (_, text) in variants {
                        text.collect_variables(names);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unread() -> Text {
        let lit = |s: &str| Piece::Literal(s.to_owned());
        let count = Piece::Var("count".into());
        Text(vec![Piece::Select {
            on: "count".into(),
            variants: vec![
                ("0".into(), Text(vec![lit("nothing unread")])),
                ("one".into(), Text(vec![count.clone(), lit(" unread message")])),
                ("other".into(), Text(vec![count, lit(" unread messages")])),
            ],
            default: 2,
        }])
    }

    #[test]
    fn a_count_chooses_its_exact_variant_then_its_plural_category() {
        assert_eq!(unread().format(Locale::En, &[("count", 0.into())]), "nothing unread");
        assert_eq!(unread().format(Locale::En, &[("count", 1.into())]), "1 unread message");
        assert_eq!(unread().format(Locale::En, &[("count", 3.into())]), "3 unread messages");
        assert_eq!(unread().format(Locale::En, &[("count", 12345.into())]), "12,345 unread messages");
        assert_eq!(unread().format(Locale::Es, &[("count", 12345.into())]), "12.345 unread messages");
    }

    #[test]
    fn a_missing_argument_shows_its_name() {
        let text = Text(vec![Piece::Literal("Hi ".into()), Piece::Var("name".into())]);
        assert_eq!(text.format(Locale::En, &[]), "Hi {$name}");
        assert_eq!(text.format(Locale::En, &[("name", "ana".into())]), "Hi ana");
        assert_eq!(unread().variables(), vec!["count".to_owned()]);
    }
}
