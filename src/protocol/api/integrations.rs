//! The answers of integrations: API tokens, bots, a room's incoming
//! webhooks, a bot's outgoing event subscriptions and slash commands.

use serde::{Deserialize, Serialize};

use crate::protocol::AccountKind;

/// A token just made, shown this once: the answer of `POST /api/tokens` and
/// `POST /api/admin/bots/tokens`, and a new bot's first token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenMade {
    /// The token's id (to revoke it).
    pub id: i64,
    /// The name its maker gave it.
    pub name: String,
    /// The secret itself (`Authorization: Bearer …`); never shown again.
    pub token: String,
}

/// One of a user's API tokens, as `GET /api/tokens` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    /// The token's id.
    pub id: i64,
    /// The name its maker gave it.
    pub name: String,
    /// Its first 8 characters.
    pub hint: String,
    /// When it was made.
    pub created_at: String,
    /// When it was last used (to within a minute); `null`: never.
    pub last_used_at: Option<String>,
}

/// `GET /api/tokens` → `{"tokens": [...]}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenList {
    /// The user's tokens, newest first.
    pub tokens: Vec<TokenInfo>,
}

/// `POST /api/tokens/revoke` → `{"revoked": true, "id"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRevoked {
    /// Always `true`.
    pub revoked: bool,
    /// The token's id.
    pub id: i64,
}

/// A bot as `POST /api/admin/bots` made it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotInfo {
    /// The bot's username.
    pub username: String,
    /// The name its messages show; `null`: none.
    pub display_name: Option<String>,
    /// Always `bot`.
    pub kind: AccountKind,
}

/// `POST /api/admin/bots` → `{"bot": {...}, "token": {...}}`: the bot and its
/// first token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotMade {
    /// The bot.
    pub bot: BotInfo,
    /// Its first token, shown this once.
    pub token: TokenMade,
}

/// `POST /api/rooms/{room}/webhooks` → `{"id", "name", "username", "url"}`:
/// the URL is shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookMade {
    /// The webhook's id (to revoke it).
    pub id: i64,
    /// Its name (what its messages show by default).
    pub name: String,
    /// The username of the account it posts as.
    pub username: String,
    /// `/hooks/{secret}`: where a service posts to it.
    pub url: String,
}

/// One of a room's working webhooks, as `GET /api/rooms/{room}/webhooks` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    /// The webhook's id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The username of the account it posts as.
    pub username: String,
    /// Who made it (its posts stop when they may no longer post here).
    #[serde(default)]
    pub made_by: String,
    /// When it was made.
    pub created_at: String,
    /// When it last posted; `null`: never.
    pub last_used_at: Option<String>,
}

/// `GET /api/rooms/{room}/webhooks` → `{"room", "webhooks": [...]}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookList {
    /// The room's name.
    pub room: String,
    /// Its working webhooks, newest first.
    pub webhooks: Vec<Webhook>,
}

/// `POST /api/rooms/{room}/webhooks/revoke` → `{"revoked": true, "id"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookRevoked {
    /// Always `true`.
    pub revoked: bool,
    /// The webhook's id.
    pub id: i64,
}

/// The rooms a subscription is sent the events of: on the wire `"*"` or an
/// array of names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SubscribedRooms {
    /// `"*"`: every room the bot is a member of, those it joins later too.
    All,
    /// The rooms named.
    Named(Vec<String>),
}

impl Serialize for SubscribedRooms {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::All => serializer.serialize_str("*"),
            Self::Named(names) => names.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for SubscribedRooms {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// What the wire may carry.
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Wire {
            Star(String),
            Named(Vec<String>),
        }
        match Wire::deserialize(deserializer)? {
            Wire::Star(star) if star == "*" => Ok(Self::All),
            Wire::Star(other) => Err(serde::de::Error::custom(format!("`rooms` is `*` or a list of names, not {other:?}"))),
            Wire::Named(names) => Ok(Self::Named(names)),
        }
    }
}

/// `POST /api/subscriptions` → `{"id", "secret", "url", "rooms", "events"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionMade {
    /// The subscription's id.
    pub id: i64,
    /// The signing key (`whsec_` and 32 random bytes, base64), shown this once.
    pub secret: String,
    /// Where its events are delivered.
    pub url: String,
    /// Which rooms' events.
    pub rooms: SubscribedRooms,
    /// Which kinds of events (`message`, `edit`, `delete`, `reaction`, `member`).
    pub events: Vec<String>,
}

/// How far a subscription's events of one room are delivered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryCursor {
    /// The room's id.
    pub room_id: i64,
    /// The newest `seq` delivered.
    pub delivered_seq: i64,
    /// Failed tries of the next delivery.
    pub attempts: i64,
    /// When its deliveries began to fail; `null`: they do not.
    pub failing_since: Option<String>,
    /// What the last failed try said; `null`: none.
    pub last_error: Option<String>,
}

/// One of a bot's subscriptions, as `GET /api/subscriptions` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    /// The subscription's id.
    pub id: i64,
    /// Where its events are delivered.
    pub url: String,
    /// Which rooms' events, as it was made.
    pub rooms: SubscribedRooms,
    /// The rooms it is delivered the events of now.
    pub room_names: Vec<String>,
    /// Which kinds of events.
    pub events: Vec<String>,
    /// When it was made.
    pub created_at: String,
    /// When its deliveries were paused (retried past `--delivery-retry-secs`);
    /// `null`: not paused.
    pub paused_at: Option<String>,
    /// Why it was paused; `null`: not paused.
    pub paused_reason: Option<String>,
    /// How far each room's events are delivered.
    pub cursors: Vec<DeliveryCursor>,
}

/// `GET /api/subscriptions` → `{"subscriptions": [...]}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionList {
    /// The bot's subscriptions.
    pub subscriptions: Vec<Subscription>,
}

/// `POST /api/subscriptions/remove` → `{"removed": true, "id"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionRemoved {
    /// Always `true`.
    pub removed: bool,
    /// The subscription's id.
    pub id: i64,
}

/// `POST /api/subscriptions/resume` → `{"resumed": true, "id"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionResumed {
    /// Always `true`.
    pub resumed: bool,
    /// The subscription's id.
    pub id: i64,
}

/// A slash command: the answer of `POST /api/commands`, and one of `GET`'s.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandInfo {
    /// `name` of `/name`: 1-32 characters of `a-z 0-9 _ -`.
    pub name: String,
    /// What it does (at most 200 characters).
    pub description: String,
    /// The username of the bot it goes to.
    pub bot: String,
}

/// `GET /api/commands` → `{"commands": [...]}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandList {
    /// Every command of an active bot, by name.
    pub commands: Vec<CommandInfo>,
}

/// `POST /api/commands/remove` → `{"removed": true, "name"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandRemoved {
    /// Always `true`.
    pub removed: bool,
    /// The command's name.
    pub name: String,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn rooms_are_a_star_or_a_list_of_names() {
        assert_eq!(serde_json::to_value(SubscribedRooms::All).unwrap(), json!("*"));
        let named = SubscribedRooms::Named(vec!["ops".into(), "ci".into()]);
        assert_eq!(serde_json::to_value(&named).unwrap(), json!(["ops", "ci"]));
        assert_eq!(serde_json::from_value::<SubscribedRooms>(json!("*")).unwrap(), SubscribedRooms::All);
        assert_eq!(serde_json::from_value::<SubscribedRooms>(json!(["ops", "ci"])).unwrap(), named);
        assert!(serde_json::from_value::<SubscribedRooms>(json!("ops")).is_err(), "a single name is not `*`");
    }

    #[test]
    fn a_new_bot_nests_its_first_token() {
        let made = BotMade {
            bot: BotInfo { username: "ci".into(), display_name: None, kind: AccountKind::Bot },
            token: TokenMade { id: 7, name: "first token".into(), token: "secret".into() },
        };
        let wire = json!({
            "bot": { "username": "ci", "display_name": null, "kind": "bot" },
            "token": { "id": 7, "name": "first token", "token": "secret" },
        });
        assert_eq!(serde_json::to_value(&made).unwrap(), wire);
        assert_eq!(serde_json::from_value::<BotMade>(wire).unwrap(), made);
    }
}
