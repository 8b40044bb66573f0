//! `/api/admin/bots`: bots, which administrators make. A bot is an account
//! that never logs in with a password — API tokens only — shown with a BOT
//! badge, added to private rooms like anyone, listed in `/admin`; it may be
//! sent the events of the rooms it may read (`subscriptions`) and register
//! slash commands (`commands`).

use axum::{Json, extract::State};
use serde::Deserialize;

use super::label;
use crate::{
    error::AppError,
    names::canonical_username,
    protocol::{
        AccountKind,
        api::{BotInfo, BotMade, TokenMade},
    },
    server::{
        http::{admin::RequireAdmin, forms::ValidForm, state::AppState},
        storage::StoreError,
    },
};

/// The form of `POST /api/admin/bots`.
#[derive(Deserialize)]
pub struct NewBotForm {
    username: String,
    display_name: Option<String>,
}

/// `POST /api/admin/bots` (`username`, optional `display_name`) → `{"bot":
/// {"username", "display_name", "kind"}, "token": {"id", "name", "token"}}`:
/// the bot and its first token (shown this once); 409 when the name is taken.
pub async fn create(
    State(state): State<AppState>,
    RequireAdmin(admin): RequireAdmin,
    ValidForm(form_data): ValidForm<NewBotForm>,
) -> Result<Json<BotMade>, AppError> {
    let username = canonical_username(&form_data.username).map_err(|_| AppError::BadUsername)?;
    let display_name = match form_data.display_name.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(name) => Some(label(name, "a display name")?),
    };
    let bot =
        state.store.bots().create_robot(&username, AccountKind::Bot, display_name, admin.0.id).await.map_err(
            |err| match err {
                StoreError::Conflict(_) => AppError::UsernameTaken,
                other => other.into(),
            },
        )?;
    let made = state.store.tokens().create_token(bot.id, "first token").await?;
    Ok(Json(BotMade {
        bot: BotInfo { username: bot.username, display_name: bot.display_name, kind: bot.kind },
        token: TokenMade { id: made.row.id, name: made.row.name, token: made.token },
    }))
}

/// The form of `POST /api/admin/bots/tokens`.
#[derive(Deserialize)]
pub struct BotTokenForm {
    username: String,
    name: String,
}

/// `POST /api/admin/bots/tokens` (`username`, `name`) → `{"id", "name",
/// "token"}`: one more token for a bot (to rotate its first one).
pub async fn create_token(
    State(state): State<AppState>,
    RequireAdmin(_): RequireAdmin,
    ValidForm(form_data): ValidForm<BotTokenForm>,
) -> Result<Json<TokenMade>, AppError> {
    let username = canonical_username(&form_data.username).map_err(|_| AppError::BadUsername)?;
    let bot = state.store.find_user_by_name(&username).await?.filter(|account| account.kind == AccountKind::Bot);
    let bot = bot.ok_or_else(|| AppError::BadRequest(format!("there is no bot named {username}")))?;
    let name = label(&form_data.name, "a token's name")?;
    let made = state.store.tokens().create_token(bot.id, &name).await?;
    Ok(Json(TokenMade { id: made.row.id, name: made.row.name, token: made.token }))
}
