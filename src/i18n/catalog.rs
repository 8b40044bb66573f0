//! The catalogs, compiled once per process from the Fluent files built into
//! the binary (`locales/{locale}/{file}.ftl`): every message and attribute
//! (`key.attribute`) of every locale as a [`Text`]. Terms (`-brand`) are put
//! into the messages that use them. `en-XA` is English pseudo-localized:
//! every message bracketed, its letters accented and lengthened.
//!
//! A catalog that does not parse, uses what the formatter cannot do (message
//! references, functions), or lacks a key or variable of English fails the
//! start-up and the catalogs' test.

use std::{
    collections::{BTreeSet, HashMap},
    sync::{Arc, OnceLock},
};

use fluent_syntax::{ast, parser};
use strum::IntoEnumIterator;

use super::{Locale, Piece, Text, Texts};

/// A catalog file: (locale, file name, its text).
type Source = (Locale, &'static str, &'static str);

/// Every catalog file. `client.ftl` holds what islands render in the browser
/// (the page carries those messages); the other files are formatted on the
/// server only.
const SOURCES: &[Source] = &[
    (Locale::En, "client.ftl", include_str!("../../locales/en/client.ftl")),
    (Locale::En, "server.ftl", include_str!("../../locales/en/server.ftl")),
    (Locale::Es, "client.ftl", include_str!("../../locales/es/client.ftl")),
    (Locale::Es, "server.ftl", include_str!("../../locales/es/server.ftl")),
];

/// The compiled catalogs of every locale.
pub struct Catalog {
    /// Every message, per locale.
    all: HashMap<Locale, Arc<HashMap<String, Text>>>,
    /// The islands' messages (`client.ftl`), per locale.
    client: HashMap<Locale, Arc<HashMap<String, Text>>>,
}

impl Catalog {
    /// The process's catalogs (compiled on first use; the built-in files are
    /// checked by the catalogs' test, so this cannot fail in a release).
    pub fn global() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| Catalog::compile(SOURCES).unwrap_or_else(|why| panic!("the built-in catalogs: {why}")))
    }

    /// Compiles `sources`, checking every locale against English.
    pub fn compile(sources: &[Source]) -> Result<Catalog, String> {
        let mut all: HashMap<Locale, HashMap<String, Text>> = HashMap::new();
        let mut client: HashMap<Locale, HashMap<String, Text>> = HashMap::new();
        for locale in [Locale::En, Locale::Es] {
            for (_, file, ftl) in sources.iter().filter(|(l, _, _)| *l == locale) {
                let messages = compile_file(ftl).map_err(|why| format!("{locale}/{file}: {why}"))?;
                if *file == "client.ftl" {
                    client.entry(locale).or_default().extend(messages.clone());
                }
                all.entry(locale).or_default().extend(messages);
            }
        }
        check_complete(&all)?;
        let pseudo = |messages: &HashMap<String, Text>| {
            messages.iter().map(|(key, text)| (key.clone(), pseudo_localize(text))).collect::<HashMap<_, _>>()
        };
        let all_xa = pseudo(&all[&Locale::En]);
        let client_xa = pseudo(&client[&Locale::En]);
        all.insert(Locale::EnXa, all_xa);
        client.insert(Locale::EnXa, client_xa);
        let arc = |map: HashMap<Locale, HashMap<String, Text>>| map.into_iter().map(|(l, m)| (l, Arc::new(m))).collect();
        Ok(Catalog { all: arc(all), client: arc(client) })
    }

    /// Every message of `locale` (for the server's formatting).
    pub fn texts(&self, locale: Locale) -> Texts {
        Texts { locale, messages: self.all[&locale].clone() }
    }

    /// The islands' messages of `locale` (what a page carries).
    pub fn client_texts(&self, locale: Locale) -> Texts {
        Texts { locale, messages: self.client[&locale].clone() }
    }

    /// Every key, sorted (for checks over the source).
    pub fn keys(&self) -> BTreeSet<&str> {
        self.all[&Locale::En].keys().map(String::as_str).collect()
    }
}

/// Every locale has every key of English, with the same variables, and no
/// key English lacks.
fn check_complete(all: &HashMap<Locale, HashMap<String, Text>>) -> Result<(), String> {
    let english = &all[&Locale::En];
    let mut problems = Vec::new();
    for locale in Locale::iter().filter(|l| *l != Locale::En && *l != Locale::EnXa) {
        let Some(messages) = all.get(&locale) else {
            problems.push(format!("{locale}: no catalog"));
            continue;
        };
        for (key, text) in english {
            match messages.get(key) {
                None => problems.push(format!("{locale}: `{key}` is missing")),
                Some(translated) if translated.variables() != text.variables() => {
                    problems.push(format!("{locale}: `{key}` uses {:?}, English {:?}", translated.variables(), text.variables()))
                }
                Some(_) => {}
            }
        }
        for key in messages.keys().filter(|key| !english.contains_key(*key)) {
            problems.push(format!("{locale}: `{key}` is not in English"));
        }
    }
    problems.sort();
    if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
}

/// One file's messages (and their attributes as `key.attribute`).
fn compile_file(ftl: &str) -> Result<HashMap<String, Text>, String> {
    let resource = parser::parse(ftl).map_err(|(_, errors)| format!("does not parse: {errors:?}"))?;
    let terms: HashMap<&str, &ast::Pattern<&str>> = resource
        .body
        .iter()
        .filter_map(|entry| match entry {
            ast::Entry::Term(term) => Some((term.id.name, &term.value)),
            _ => None,
        })
        .collect();
    let mut messages = HashMap::new();
    for entry in &resource.body {
        match entry {
            ast::Entry::Message(message) => {
                let key = message.id.name;
                if let Some(value) = &message.value {
                    messages.insert(key.to_owned(), compile_pattern(value, &terms).map_err(|why| format!("`{key}`: {why}"))?);
                }
                for attribute in &message.attributes {
                    let name = format!("{key}.{}", attribute.id.name);
                    let text = compile_pattern(&attribute.value, &terms).map_err(|why| format!("`{name}`: {why}"))?;
                    messages.insert(name, text);
                }
            }
            ast::Entry::Junk { content } => return Err(format!("cannot read {content:?}")),
            _ => {}
        }
    }
    Ok(messages)
}

fn compile_pattern(pattern: &ast::Pattern<&str>, terms: &HashMap<&str, &ast::Pattern<&str>>) -> Result<Text, String> {
    let mut pieces = Vec::new();
    for element in &pattern.elements {
        match element {
            ast::PatternElement::TextElement { value } => push_literal(&mut pieces, value),
            ast::PatternElement::Placeable { expression } => compile_expression(expression, terms, &mut pieces)?,
        }
    }
    Ok(Text(pieces))
}

fn compile_expression(
    expression: &ast::Expression<&str>,
    terms: &HashMap<&str, &ast::Pattern<&str>>,
    pieces: &mut Vec<Piece>,
) -> Result<(), String> {
    match expression {
        ast::Expression::Inline(inline) => compile_inline(inline, terms, pieces),
        ast::Expression::Select { selector, variants } => {
            let ast::InlineExpression::VariableReference { id } = selector else {
                return Err("a choice must be on a variable".into());
            };
            let mut compiled = Vec::new();
            let mut default = 0;
            for (i, variant) in variants.iter().enumerate() {
                let key = match &variant.key {
                    ast::VariantKey::Identifier { name } => (*name).to_owned(),
                    ast::VariantKey::NumberLiteral { value } => (*value).to_owned(),
                };
                if variant.default {
                    default = i;
                }
                compiled.push((key, compile_pattern(&variant.value, terms)?));
            }
            pieces.push(Piece::Select { on: id.name.to_owned(), variants: compiled, default });
            Ok(())
        }
    }
}

fn compile_inline(
    inline: &ast::InlineExpression<&str>,
    terms: &HashMap<&str, &ast::Pattern<&str>>,
    pieces: &mut Vec<Piece>,
) -> Result<(), String> {
    match inline {
        ast::InlineExpression::StringLiteral { value } => push_literal(pieces, &unescape(value)),
        ast::InlineExpression::NumberLiteral { value } => push_literal(pieces, value),
        ast::InlineExpression::VariableReference { id } => pieces.push(Piece::Var(id.name.to_owned())),
        ast::InlineExpression::TermReference { id, attribute: None, arguments: None } => {
            let term = terms.get(id.name).ok_or_else(|| format!("no term -{}", id.name))?;
            pieces.extend(compile_pattern(term, terms)?.0);
        }
        ast::InlineExpression::Placeable { expression } => compile_expression(expression, terms, pieces)?,
        other => return Err(format!("not supported here: {other:?}")),
    }
    Ok(())
}

/// A string literal's escapes: `\"`, `\\`, `\uXXXX`, `\UXXXXXX`.
fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(hex @ ('u' | 'U')) => {
                let digits: String = chars.by_ref().take(if hex == 'u' { 4 } else { 6 }).collect();
                out.extend(u32::from_str_radix(&digits, 16).ok().and_then(char::from_u32));
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

fn push_literal(pieces: &mut Vec<Piece>, text: &str) {
    if let Some(Piece::Literal(last)) = pieces.last_mut() {
        last.push_str(text);
    } else if !text.is_empty() {
        pieces.push(Piece::Literal(text.to_owned()));
    }
}

/// `en-XA`: the message in brackets, its letters accented and its vowels
/// doubled (about 40 % longer), its variables as they are.
fn pseudo_localize(text: &Text) -> Text {
    let mut pieces = vec![Piece::Literal("[".into())];
    pieces.extend(text.0.iter().map(pseudo_piece));
    pieces.push(Piece::Literal("]".into()));
    let mut merged = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Literal(s) => push_literal(&mut merged, &s),
            other => merged.push(other),
        }
    }
    Text(merged)
}

fn pseudo_piece(piece: &Piece) -> Piece {
    match piece {
        Piece::Literal(s) => Piece::Literal(s.chars().flat_map(pseudo_char).collect()),
        Piece::Var(var) => Piece::Var(var.clone()),
        Piece::Select { on, variants, default } => Piece::Select {
            on: on.clone(),
            variants: variants.iter().map(|(key, text)| (key.clone(), Text(text.0.iter().map(pseudo_piece).collect()))).collect(),
            default: *default,
        },
    }
}

fn pseudo_char(c: char) -> Vec<char> {
    const FROM: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const TO: &str = "ȧƀƈḓḗƒɠħīĵķŀḿƞǿƥɋřşŧŭṽẇẋẏẑȦƁƇḒḖƑƓĦĪĴĶĿḾȠǾƤɊŘŞŦŬṼẆẊẎẐ";
    match FROM.chars().position(|f| f == c).and_then(|i| TO.chars().nth(i)) {
        Some(accented) if "aeiouAEIOU".contains(c) => vec![accented, accented],
        Some(accented) => vec![accented],
        None => vec![c],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_catalogs_compile_and_every_locale_has_every_key_with_its_variables() {
        let catalog = Catalog::compile(SOURCES).unwrap();
        assert!(catalog.keys().len() > 10);
        for locale in Locale::iter() {
            assert_eq!(catalog.texts(locale).messages.len(), catalog.texts(Locale::En).messages.len(), "{locale}");
        }
    }

    #[test]
    fn a_missing_key_or_a_different_variable_fails_the_check() {
        let en = "hello = Hello, { $name }\nbye = Bye\n";
        let missing: &[Source] = &[(Locale::En, "client.ftl", en), (Locale::Es, "client.ftl", "hello = Hola, { $name }\n")];
        let why = Catalog::compile(missing).err().unwrap();
        assert!(why.contains("es: `bye` is missing"), "{why}");
        let renamed: &[Source] =
            &[(Locale::En, "client.ftl", en), (Locale::Es, "client.ftl", "hello = Hola, { $nombre }\nbye = Adiós\n")];
        let why = Catalog::compile(renamed).err().unwrap();
        assert!(why.contains("`hello` uses [\"nombre\"]"), "{why}");
    }

    #[test]
    fn plurals_terms_attributes_and_the_pseudo_locale() {
        let en = "-brand = Parlor\nunread = { $count ->\n    [one] { $count } unread message\n   *[other] { $count } unread messages\n}\nwelcome = Welcome to { -brand }\n    .title = Hi { $name }\nbrace = {\"{\"}x\n";
        let es = "-brand = Parlor\nunread = { $count ->\n    [one] { $count } mensaje sin leer\n    [many] { $count } de mensajes sin leer\n   *[other] { $count } mensajes sin leer\n}\nwelcome = Te damos la bienvenida a { -brand }\n    .title = Hola, { $name }\nbrace = {\"{\"}x\n";
        let catalog = Catalog::compile(&[(Locale::En, "client.ftl", en), (Locale::Es, "client.ftl", es)]).unwrap();
        let (en, es, xa) = (catalog.texts(Locale::En), catalog.texts(Locale::Es), catalog.texts(Locale::EnXa));
        assert_eq!(en.format("unread", &[("count", 1.into())]), "1 unread message");
        assert_eq!(en.format("unread", &[("count", 2000.into())]), "2,000 unread messages");
        assert_eq!(es.format("unread", &[("count", 1.into())]), "1 mensaje sin leer");
        assert_eq!(es.format("unread", &[("count", 2_000_000.into())]), "2.000.000 de mensajes sin leer");
        assert_eq!(es.format("unread", &[("count", 5.into())]), "5 mensajes sin leer");
        assert_eq!(en.format("welcome", &[]), "Welcome to Parlor");
        assert_eq!(es.format("welcome.title", &[("name", "Ana".into())]), "Hola, Ana");
        assert_eq!(en.format("brace", &[]), "{x");
        assert_eq!(en.format("nothing", &[]), "⟦nothing⟧");
        assert_eq!(xa.format("welcome.title", &[("name", "Ana".into())]), "[Ħīī Ana]");
        let long = xa.format("unread", &[("count", 3.into())]);
        assert!(long.starts_with("[3 ŭŭƞřḗḗȧȧḓ") && long.ends_with(']'), "{long}");
    }
}
