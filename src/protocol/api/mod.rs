//! The JSON answers of the HTTP API (`/api/…`), one named type per answer:
//! the server's handlers build them and the browser reads them, so both
//! sides share one shape. Each is documented with its path in
//! `docs/protocol.md`; times are `String`s as the API writes them (RFC 3339,
//! UTC, see `protocol::format_timestamp`), so every type compiles for the
//! browser too.
//!
//! - [`messages`]: the answer of a message sent over HTTP.
//! - [`rooms`]: a user's rooms, creating one, members, invite links, the
//!   notification level.
//! - [`threads`]: the threads a user follows.
//! - [`push`]: Web Push's key and a user's push subscriptions.
//! - [`admin`]: accounts, the registration mode, account invitations,
//!   password reset links.
//! - [`integrations`]: API tokens, bots, incoming webhooks, outgoing event
//!   subscriptions, slash commands.
//!
//! (Answers that are protocol types of their own stay where they are: a
//! history page, a search's results, an uploaded attachment, a thread's status.)

mod admin;
mod integrations;
mod messages;
mod push;
mod rooms;
mod threads;

pub use admin::{
    AccountDeactivated, AccountList, AccountMade, AccountReactivated, AdminChanged, Invitation, InvitationList,
    InvitationRevoked, Registration, ResetLink,
};
pub use integrations::{
    BotInfo, BotMade, CommandInfo, CommandList, CommandRemoved, DeliveryCursor, SubscribedRooms, Subscription, SubscriptionList,
    SubscriptionMade, SubscriptionRemoved, SubscriptionResumed, TokenInfo, TokenList, TokenMade, TokenRevoked, Webhook,
    WebhookList, WebhookMade, WebhookRevoked,
};
pub use messages::MessageSent;
pub use push::{PushDevice, PushDevices, PushKey, PushRemoved, PushSubscribed, PushTestQueued};
pub use rooms::{
    InviteLink, InviteList, InviteRevoked, MemberAdded, MemberRemoved, NotifySet, RoomCreated, RoomList, RoomMembers,
};
pub use threads::ThreadList;
