//! What Parlor's mails say: plain text, a subject, and for the mails of
//! missed messages the one-click unsubscribe headers of RFC 8058
//! (`List-Unsubscribe` with the link, `List-Unsubscribe-Post`).

use lettre::{
    Message,
    message::{
        Mailbox,
        header::{ContentType, Header, HeaderName, HeaderValue},
    },
};

/// A mail before its addresses: subject, text, and an unsubscribe link.
pub struct Mail {
    pub subject: String,
    pub text: String,
    /// For mails a user may stop: the one-click unsubscribe URL.
    pub unsubscribe: Option<String>,
}

impl Mail {
    /// The message from `from` to `to`.
    pub fn build(self, from: Mailbox, to: Mailbox) -> Result<Message, lettre::error::Error> {
        let mut builder = Message::builder().from(from).to(to).subject(self.subject).header(ContentType::TEXT_PLAIN);
        if let Some(link) = self.unsubscribe {
            builder = builder.header(ListUnsubscribe(format!("<{link}>"))).header(ListUnsubscribePost);
        }
        builder.body(self.text)
    }
}

/// The verification of `address` (for `username`).
pub fn verification(username: &str, link: &str) -> Mail {
    Mail {
        subject: "Confirm your e-mail address for Parlor".to_owned(),
        text: format!(
            "Hello {username},\r\n\r\nconfirm that this address is yours by opening this link (it works for 24 hours):\r\n\r\n{link}\r\n\r\nIf you did not ask for this, ignore this mail.\r\n"
        ),
        unsubscribe: None,
    }
}

/// A password reset link for `username`.
pub fn reset(username: &str, link: &str) -> Mail {
    Mail {
        subject: "Reset your Parlor password".to_owned(),
        text: format!(
            "Hello {username},\r\n\r\nsomeone (hopefully you) asked to reset your password. Choose a new one here (the link works once, for 24 hours):\r\n\r\n{link}\r\n\r\nIf you did not ask for this, ignore this mail: your password stays as it is.\r\n"
        ),
        unsubscribe: None,
    }
}

/// To an account's old verified address: it was replaced by `new` (or
/// removed); `link` undoes it for 7 days.
pub fn address_changed(username: &str, new: Option<&str>, link: &str) -> Mail {
    let what = match new {
        Some(new) => format!("was changed to {new}"),
        None => "was removed".to_owned(),
    };
    Mail {
        subject: "Your Parlor e-mail address was changed".to_owned(),
        text: format!(
            "Hello {username},\r\n\r\nthe e-mail address of your Parlor account {what}. Password reset links go to the account's address.\r\n\r\nIf that was you, there is nothing to do. If it was not, open this link (it works for 7 days): it puts this address back, logs out every session of the account, ends its API tokens, and lets you choose a new password:\r\n\r\n{link}\r\n"
        ),
        unsubscribe: None,
    }
}

/// One missed message, as a mail lists it.
pub struct Missed {
    pub sender: String,
    pub text: String,
    /// Sent by a bot or a webhook: marked as pages mark it.
    pub bot: bool,
}

/// The mail of `count` missed messages in `room` (its label), the first of them listed.
pub fn missed(username: &str, room: &str, count: i32, listed: &[Missed], link: &str, unsubscribe: &str) -> Mail {
    let subject = match count {
        1 => format!("[Parlor] A message for you in {room}"),
        n => format!("[Parlor] {n} messages for you in {room}"),
    };
    let mut text = format!("Hello {username},\r\n\r\nwhile you were away, in {room}:\r\n\r\n");
    for message in listed {
        let quoted: String = message.text.chars().take(300).collect();
        let sender = crate::protocol::sender_label(&message.sender, message.bot);
        text.push_str(&format!("{sender}: {}\r\n", quoted.replace('\n', "\r\n  ")));
    }
    if count as usize > listed.len() {
        text.push_str(&format!("… and {} more\r\n", count as usize - listed.len()));
    }
    text.push_str(&format!(
        "\r\nRead them: {link}\r\n\r\nYou get this because you were mentioned, or sent a direct message, and did not read it in time. Stop these mails: {unsubscribe}\r\n"
    ));
    Mail { subject, text, unsubscribe: Some(unsubscribe.to_owned()) }
}

/// `List-Unsubscribe: <https://…>` (RFC 2369).
#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
#[derive(Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}
