//! sea-orm entities: the tables Parlor stores (`user`, `session`, `room`,
//! `message`, `membership`, `mention`, `reaction`, `invite` (`room_invite`), `attachment`, `blob`, `device`, `thread_follow`,
//! `push_subscription`, `push_outbox`, `api_token`, `incoming_hook`, `event_subscription`,
//! `delivery_cursor`, `bot_command`, `server_setting`, `invitation`, `password_reset`,
//! `email_address`, `mail_outbox`, `oidc_identity`, `email_undo`, `account_notice`; the VAPID key's `push_key` is read raw).

pub mod account_notice;
pub mod api_token;
pub mod attachment;
pub mod blob;
pub mod bot_command;
pub mod delivery_cursor;
pub mod device;
pub mod email_address;
pub mod email_undo;
pub mod event_subscription;
pub mod incoming_hook;
pub mod invitation;
pub mod mail_outbox;
pub mod membership;
pub mod mention;
pub mod message;
pub mod oidc_identity;
pub mod password_reset;
pub mod push_outbox;
pub mod push_subscription;
pub mod reaction;
pub mod room;
pub mod room_invite;
pub mod server_setting;
pub mod session;
pub mod thread_follow;
pub mod user;
