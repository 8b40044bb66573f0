//! `/api/tokens`: the user's API tokens. Made from a logged-in browser (a
//! token cannot make tokens: a leaked one must not outlive its revocation),
//! the token shown once; listed (name, first characters, when made and last
//! used) and revoked with a token too — revoking closes its sockets (4001)
//! on every instance and ends the subscriptions it made.

use axum::{Json, extract::State};
use serde::Deserialize;

use super::{label, time_of};
use crate::{
    error::AppError,
    protocol::{
        api::{TokenInfo, TokenList, TokenMade, TokenRevoked},
        format_timestamp,
    },
    server::{
        accounts::tokens,
        http::{
            forms::ValidForm,
            gate::{RequireBrowser, RequireUser},
            state::AppState,
        },
    },
};

/// The form of `POST /api/tokens`.
#[derive(Deserialize)]
pub struct NewTokenForm {
    name: String,
}

/// `POST /api/tokens` (`name`) → `{"id", "name", "token"}`; the token is
/// shown this once. From a logged-in browser only (403 with a token).
pub async fn create(
    State(state): State<AppState>,
    RequireBrowser(user): RequireBrowser,
    ValidForm(form_data): ValidForm<NewTokenForm>,
) -> Result<Json<TokenMade>, AppError> {
    let name = label(&form_data.name, "a token's name")?;
    let made = state.store.tokens().create_token(user.0.id, &name).await?;
    Ok(Json(TokenMade { id: made.row.id, name: made.row.name, token: made.token }))
}

/// `GET /api/tokens` → `{"tokens": [{"id", "name", "hint", "created_at", "last_used_at"}]}`.
pub async fn list(State(state): State<AppState>, RequireUser(user): RequireUser) -> Result<Json<TokenList>, AppError> {
    let tokens = state
        .store
        .tokens()
        .tokens_of(user.0.id)
        .await?
        .into_iter()
        .map(|token| TokenInfo {
            id: token.id,
            name: token.name,
            hint: token.hint,
            created_at: format_timestamp(token.created_at),
            last_used_at: time_of(token.last_used_at),
        })
        .collect();
    Ok(Json(TokenList { tokens }))
}

/// The form of `POST /api/tokens/revoke`.
#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(deserialize_with = "crate::server::http::params::number")]
    id: i64,
}

/// `POST /api/tokens/revoke` (`id`) → `{"revoked": true}`; 404 for a token
/// that is not the user's.
pub async fn revoke(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    ValidForm(form_data): ValidForm<RevokeForm>,
) -> Result<Json<TokenRevoked>, AppError> {
    match tokens::revoke(&state.store, &state.sessions, user.0.id, form_data.id).await? {
        true => Ok(Json(TokenRevoked { revoked: true, id: form_data.id })),
        false => Err(AppError::NotFound),
    }
}
