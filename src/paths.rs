//! Parlor's own URLs that code builds — links, redirects, the browser
//! client's fetches and sockets, mailed links — in one place, so that a page,
//! a redirect and the browser client never disagree about where something
//! lives; and the bundle's content-hashed URLs. What declares a path names it
//! itself: the router (`app.rs`'s `path!`s, `server::http::routes`), each
//! server function (`#[server(endpoint = …)]`, which the plain HTML forms post
//! to). Every path is listed in `docs/protocol.md`.

use std::{collections::HashMap, sync::OnceLock};

/// The bundle's content-hashed URLs, told once per process by the server
/// that hashed them (`server::http::assets`).
static BUNDLE_URLS: OnceLock<BundleUrls> = OnceLock::new();

/// The bundle's URLs in its content-hashed folder.
#[derive(Debug, Default)]
pub struct BundleUrls {
    /// Plain URL -> hashed, for the files every page loads.
    pub files: HashMap<&'static str, String>,
    /// The lazily loaded chunks' loader, which the bundle's JavaScript imports.
    pub chunk_loader: Option<String>,
    /// The lazily loaded chunks (WASM fetched on a panel's first use).
    pub chunks: Vec<String>,
}

/// Tells pages the bundle's hashed URLs (the first call wins: every server of
/// a process serves the same site).
pub fn set_bundle_urls(urls: BundleUrls) {
    let _ = BUNDLE_URLS.set(urls);
}

/// The URL pages link the bundle file at `path` by: its hashed name, or its
/// plain URL when the site is not built.
pub fn bundle(path: &'static str) -> &'static str {
    BUNDLE_URLS.get().and_then(|urls| urls.files.get(path)).map_or(path, String::as_str)
}

/// The hashed URL of the lazily loaded chunks' loader, if the bundle has chunks.
pub fn bundle_chunk_loader() -> Option<&'static str> {
    BUNDLE_URLS.get().and_then(|urls| urls.chunk_loader.as_deref())
}

/// The hashed URLs of the lazily loaded chunks (none when the site is not built).
pub fn bundle_chunks() -> &'static [String] {
    BUNDLE_URLS.get().map_or(&[], |urls| urls.chunks.as_slice())
}

/// `/room/{room}/`: a room's page (the name must already be canonical).
pub fn room(room: &str) -> String {
    format!("/room/{room}/")
}

/// `/room/{room}/?at=SEQ`: a room's page around one message.
pub fn message(room: &str, seq: i64) -> String {
    format!("/room/{room}/?at={seq}")
}

/// `/room/{room}/?thread=SEQ`: a room's page with the thread of root `SEQ` open beside it.
pub fn thread(room: &str, root: i64) -> String {
    format!("/room/{room}/?thread={root}")
}

/// `/threads/`: the threads the user follows.
pub const THREADS: &str = "/threads/";

/// `/api/threads/follow`: follow a thread or stop (form post: `room`, `thread`, `follow`).
pub const THREADS_FOLLOW: &str = "/api/threads/follow";

/// The user's inbox socket (the caller adds the scheme and host).
pub const INBOX_SOCKET: &str = "/ws/inbox/";

/// `/api/rooms/{room}/members`: a room's members (JSON).
pub fn room_members(room: &str) -> String {
    format!("/api/rooms/{room}/members")
}

/// `/api/rooms/{room}/notify`: set the reader's notification level (form post).
pub fn room_notify(room: &str) -> String {
    format!("/api/rooms/{room}/notify")
}

/// `/api/rooms/{room}/members/remove`: remove a member; oneself to leave (form post).
pub fn room_remove_member(room: &str) -> String {
    format!("/api/rooms/{room}/members/remove")
}

/// `/api/rooms/`: the user's rooms (GET, JSON); create a room (form post).
pub const ROOMS: &str = "/api/rooms/";

/// `/api/rooms/{room}/invites`: a private room's invite links (GET), a new one (form post).
pub fn room_invites(room: &str) -> String {
    format!("/api/rooms/{room}/invites")
}

/// `/api/rooms/{room}/invites/revoke`: revoke an invite link (form post, `code`).
pub fn room_invites_revoke(room: &str) -> String {
    format!("/api/rooms/{room}/invites/revoke")
}

/// `/api/rooms/{room}/webhooks`: a room's incoming webhooks (GET), a new one (form post, `name`).
pub fn room_webhooks(room: &str) -> String {
    format!("/api/rooms/{room}/webhooks")
}

/// `/api/rooms/{room}/webhooks/revoke`: revoke an incoming webhook (form post, `id`).
pub fn room_webhooks_revoke(room: &str) -> String {
    format!("/api/rooms/{room}/webhooks/revoke")
}

/// `/hooks/{secret}`: where an incoming webhook's messages are posted.
pub fn hook(secret: &str) -> String {
    format!("/hooks/{secret}")
}

/// `/api/tokens`: the user's API tokens (GET), a new one (form post, `name`).
pub const TOKENS: &str = "/api/tokens";

/// `/api/tokens/revoke`: revoke an API token (form post, `id`).
pub const TOKENS_REVOKE: &str = "/api/tokens/revoke";

/// `/api/commands`: the slash commands bots registered (GET).
pub const COMMANDS: &str = "/api/commands";

/// `/api/admin/bots`: a new bot (form post, `username`, `display_name`).
pub const ADMIN_BOTS: &str = "/api/admin/bots";

/// `/welcome/{code}`: an account invitation (its code's hex digits only:
/// whatever a client sent cannot become something else in a URL or header).
pub fn welcome(code: &str) -> String {
    format!("/welcome/{}", hex_only(code))
}

/// `/reset/{token}`: a password reset link (hex digits only, as `welcome`).
pub fn reset(token: &str) -> String {
    format!("/reset/{}", hex_only(token))
}

fn hex_only(text: &str) -> String {
    text.chars().filter(char::is_ascii_hexdigit).collect()
}

/// `/verify-email/{token}`: an e-mail address's verification link.
pub fn verify_email(token: &str) -> String {
    format!("/verify-email/{token}")
}

/// `/undo-email/{token}`: the link that puts an account's old verified
/// address back (hex digits only, as `welcome`).
pub fn undo_email(token: &str) -> String {
    format!("/undo-email/{}", hex_only(token))
}

/// `/unsubscribe/{token}`: the one-click unsubscribe of missed-message mails.
pub fn unsubscribe(token: &str) -> String {
    format!("/unsubscribe/{token}")
}

/// `/auth/oidc/start?next=…`: log in with single sign-on.
pub fn sso_start(next: &str) -> String {
    format!("/auth/oidc/start?next={}", urlencoding::encode(next))
}

/// `/join/{code}`: an invite link.
pub fn join(code: &str) -> String {
    format!("/join/{code}")
}

/// Where the lobby's "Message a person" form posts (`username`).
pub const DIRECT_FORM: &str = "/dm/";

/// `/dm/{username}/`: the direct conversation with a user.
pub fn direct(username: &str) -> String {
    format!("/dm/{}/", urlencoding::encode(username))
}

/// `/admin`: the administrators' page (accounts).
pub const ADMIN: &str = "/admin";

/// `/settings`: the user's own account.
pub const SETTINGS: &str = "/settings";

/// `/settings?done=WHAT#SECTION`: the settings page after an action, saying
/// so (`section` empty: the top).
pub fn settings_done(done: &str, section: &str) -> String {
    match section {
        "" => format!("{SETTINGS}?done={done}"),
        section => format!("{SETTINGS}?done={done}#{section}"),
    }
}

/// `/api/admin/users/`: every account (GET, JSON; administrators only).
pub const ADMIN_USERS: &str = "/api/admin/users/";

/// `/api/admin/users/{action}`: `deactivate`, `reactivate`, `admin` (form posts).
pub fn admin_action(action: &str) -> String {
    format!("/api/admin/users/{action}")
}

/// `/login?next=...`: the log-in page, returning to `next` afterwards.
pub fn login_then(next: &str) -> String {
    format!("/login?next={}", urlencoding::encode(next))
}

/// `/register?next=...`: the registration page, returning to `next` afterwards.
pub fn register_then(next: &str) -> String {
    format!("/register?next={}", urlencoding::encode(next))
}

/// `/api/rooms/{room}/attachments`: upload a file to a room (multipart post).
pub fn room_attachments(room: &str) -> String {
    format!("/api/rooms/{room}/attachments")
}

/// `/attachments/{id}`: an attachment's file (for readers of its room).
pub fn attachment(id: &str) -> String {
    format!("/attachments/{id}")
}

/// `/attachments/{id}/thumb`: an image attachment's thumbnail.
pub fn attachment_thumb(id: &str) -> String {
    format!("/attachments/{id}/thumb")
}

/// `/previews/{room}/{seq}/image`: the thumbnail of the link preview under
/// message `seq` (for readers of the room only).
pub fn preview_image(room: &str, seq: i64) -> String {
    format!("/previews/{room}/{seq}/image")
}

/// `/ws/room/{room}/?after=SEQ`: a room's socket, resuming after `after`
/// (the caller adds the scheme and host).
pub fn room_socket(room: &str, after: i64) -> String {
    format!("/ws/room/{room}/?after={after}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_have_the_documented_shape() {
        assert_eq!(room("general"), "/room/general/");
        assert_eq!(login_then("/room/general/"), "/login?next=%2Froom%2Fgeneral%2F");
        assert_eq!(room_socket("general", 7), "/ws/room/general/?after=7");
        assert_eq!(room_attachments("general"), "/api/rooms/general/attachments");
        assert_eq!(attachment_thumb("ab12"), "/attachments/ab12/thumb");
        assert_eq!(hook("ab12"), "/hooks/ab12");
        assert_eq!(welcome("ab\r\n12"), "/welcome/ab12", "nothing but hex digits from a client");
        assert_eq!(room_webhooks("general"), "/api/rooms/general/webhooks");
    }
}
