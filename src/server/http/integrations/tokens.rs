//! `/api/tokens`: the user's API tokens. Made from a logged-in browser (a
//! token cannot make tokens: a leaked one must not outlive its revocation),
//! the token shown once; listed (name, first characters, when made and last
//! used) and revoked with a token too — revoking closes its sockets (4001)
//! on every instance and ends the subscriptions it made.

use axum::{Json, extract::State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{label, time_of};
use crate::{
    error::AppError,
    protocol::format_timestamp,
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
) -> Result<Json<Value>, AppError> {
    let name = label(&form_data.name, "a token's name")?;
    let made = state.store.create_token(user.0.id, &name).await?;
    Ok(Json(json!({ "id": made.row.id, "name": made.row.name, "token": made.token })))
}

/// `GET /api/tokens` → `{"tokens": [{"id", "name", "hint", "created_at", "last_used_at"}]}`.
pub async fn list(State(state): State<AppState>, RequireUser(user): RequireUser) -> Result<Json<Value>, AppError> {
    let tokens: Vec<Value> = state
        .store
        .tokens_of(user.0.id)
        .await?
        .into_iter()
        .map(|token| {
            json!({
                "id": token.id,
                "name": token.name,
                "hint": token.hint,
                "created_at": format_timestamp(token.created_at),
                "last_used_at": time_of(token.last_used_at),
            })
        })
        .collect();
    Ok(Json(json!({ "tokens": tokens })))
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
) -> Result<Json<Value>, AppError> {
    match tokens::revoke(&state.store, &state.sessions, user.0.id, form_data.id).await? {
        true => Ok(Json(json!({ "revoked": true, "id": form_data.id }))),
        false => Err(AppError::NotFound),
    }
}
