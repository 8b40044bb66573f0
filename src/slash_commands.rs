//! Slash commands in the composer: bots register `/name` (with a
//! description); typing `/` and a prefix at the start of the box offers the
//! commands that complete it, and sending `/name args` for a registered name
//! sends the bot a `command` frame instead of a message. Text that starts
//! with `/` but names no command is sent as it is.

pub use crate::protocol::api::CommandInfo;

fn is_command_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-'
}

/// The command name being typed: the box's text before the caret is `/` and
/// a (possibly empty) prefix of a name, nothing else.
pub fn being_typed(before_caret: &str) -> Option<&str> {
    let typed = before_caret.strip_prefix('/')?;
    typed.chars().all(|c| is_command_char(c.to_ascii_lowercase())).then_some(typed)
}

/// The commands among `known` that complete `typed`, at most `max`.
pub fn completions<'a>(known: &'a [CommandInfo], typed: &str, max: usize) -> Vec<&'a CommandInfo> {
    let typed = typed.to_ascii_lowercase();
    known.iter().filter(|command| command.name.starts_with(&typed)).take(max).collect()
}

/// `/name args` of a registered command: its name and its arguments (trimmed).
pub fn invocation(text: &str, known: &[CommandInfo]) -> Option<(String, String)> {
    let rest = text.trim().strip_prefix('/')?;
    let (name, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let name = name.to_ascii_lowercase();
    known.iter().any(|command| command.name == name).then(|| (name, args.trim().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Vec<CommandInfo> {
        ["deploy", "dice", "weather"]
            .into_iter()
            .map(|name| CommandInfo { name: name.into(), description: String::new(), bot: "ci".into() })
            .collect()
    }

    #[test]
    fn a_slash_at_the_start_offers_the_commands_it_begins() {
        assert_eq!(being_typed("/de"), Some("de"));
        assert_eq!(being_typed("/"), Some(""));
        assert_eq!(being_typed("/deploy now"), None, "past the name: its arguments");
        assert_eq!(being_typed("see /de"), None, "only at the start");
        let known = known();
        let names: Vec<&str> = completions(&known, "D", 8).iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["deploy", "dice"]);
    }

    #[test]
    fn only_a_registered_name_is_a_command() {
        let known = known();
        assert_eq!(invocation("/deploy  prod eu ", &known), Some(("deploy".into(), "prod eu".into())));
        assert_eq!(invocation("/Dice", &known), Some(("dice".into(), String::new())));
        assert_eq!(invocation("/shrug ¯\\_(ツ)_/¯", &known), None);
        assert_eq!(invocation("deploy", &known), None);
    }
}
