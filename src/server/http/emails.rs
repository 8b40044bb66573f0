//! The links Parlor mails: `GET /verify-email/{token}` (a page with one
//! button: opening a link, as mail scanners do, changes nothing) and its
//! `POST` (the address is the account's from now on; back to the settings), and the one-click
//! unsubscribe of missed-message mails — `POST /unsubscribe/{token}` (RFC
//! 8058: mail programs post it, with no cookie) and, for a person who opens
//! the link, `GET` shows a page with that one button. And `GET
//! /undo-email/{token}` (a page with one button) with its `POST`: mailed to an
//! account's old verified address when the address changed, it puts that
//! address back, ends every session and API token of the account, and opens
//! a reset link so that the address's owner chooses a new password — what a
//! stolen session changed is undone for 7 days.

use axum::{
    extract::{Path, State},
    response::{Html, IntoResponse, Redirect, Response},
};

use super::state::AppState;
use crate::{
    error::AppError,
    paths,
    server::{
        accounts::tokens,
        storage::emails::{Undone, Verified},
    },
};

/// `GET /verify-email/{token}`: which address the link verifies, and its button.
pub async fn verify_page(State(state): State<AppState>, Path(token): Path<String>) -> Result<Html<String>, AppError> {
    let pending = state.store.emails().pending_email(&token).await?.ok_or(AppError::LinkEnded)?;
    let token: String = token.chars().filter(char::is_ascii_hexdigit).collect();
    let address: String = pending.address.chars().filter(|c| !matches!(c, '<' | '>' | '&' | '"' | '\'')).collect();
    Ok(Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Verify your address · Parlor</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"></head><body>\
         <main><h1>Is {address} your address?</h1>\
         <form method=\"post\" action=\"/verify-email/{token}\"><button type=\"submit\" id=\"verifyBtn\">Yes, verify it</button></form>\
         </main></body></html>"
    )))
}

/// `POST /verify-email/{token}`.
pub async fn verify(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response, AppError> {
    match state.store.emails().verify_email(&token).await? {
        Verified::Done { .. } => Ok(Redirect::to(&crate::paths::settings_done("email_verified", "")).into_response()),
        Verified::Taken => Ok(Redirect::to(&format!("{}?error=bad_email", crate::paths::SETTINGS)).into_response()),
        Verified::Ended => Err(AppError::LinkEnded),
    }
}

/// `GET /unsubscribe/{token}`: a page with the button (a mail's link must not
/// change anything by being opened, e.g. by a link scanner).
pub async fn unsubscribe_page(Path(token): Path<String>) -> Html<String> {
    let token: String = token.chars().filter(char::is_ascii_hexdigit).collect();
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Unsubscribe · Parlor</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"></head><body>\
         <main><h1>Stop mails of missed messages?</h1>\
         <form method=\"post\" action=\"/unsubscribe/{token}\"><button type=\"submit\" id=\"unsubscribeBtn\">Stop these mails</button></form>\
         <p>You can turn them on again in your settings.</p></main></body></html>"
    ))
}

/// `POST /unsubscribe/{token}` (RFC 8058 one-click): no more missed-message
/// mails to that address; 404 for an unknown token.
pub async fn unsubscribe(State(state): State<AppState>, Path(token): Path<String>) -> Result<Html<&'static str>, AppError> {
    match state.store.emails().unsubscribe(&token).await? {
        true => Ok(Html(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Unsubscribed · Parlor</title></head><body><main><h1 id=\"unsubscribed\">You will get no more of these mails.</h1></main></body></html>",
        )),
        false => Err(AppError::NotFound),
    }
}

/// `GET /undo-email/{token}`: which address the link puts back, and its button.
pub async fn undo_page(State(state): State<AppState>, Path(token): Path<String>) -> Result<Html<String>, AppError> {
    let undo = state.store.emails().email_undo(&token).await?.ok_or(AppError::LinkEnded)?;
    let token: String = token.chars().filter(char::is_ascii_hexdigit).collect();
    let address: String = undo.old_address.chars().filter(|c| !matches!(c, '<' | '>' | '&' | '"' | '\'')).collect();
    Ok(Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Undo the change · Parlor</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"></head><body>\
         <main><h1>Put {address} back as your address?</h1>\
         <p>Every session of the account is logged out, its API tokens end, and you choose a new password next.</p>\
         <form method=\"post\" action=\"/undo-email/{token}\"><button type=\"submit\" id=\"undoEmailBtn\">Undo the change</button></form>\
         </main></body></html>"
    )))
}

/// `POST /undo-email/{token}`: to a reset link of the account, once its old
/// address is back and whatever a stolen session held is ended.
pub async fn undo(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response, AppError> {
    let user_id = match state.store.emails().use_email_undo(&token).await? {
        Undone::Done { user_id, .. } => user_id,
        Undone::Taken => return Err(AppError::BadEmail),
        Undone::Ended => return Err(AppError::LinkEnded),
    };
    state.sessions.end_other_sessions(user_id, None).await?;
    tokens::revoke_after_new_password(&state.store, &state.sessions, user_id).await?;
    state.store.resets().end_resets(user_id).await?;
    let (reset, _) = state.store.resets().create_reset(user_id).await?;
    Ok(Redirect::to(&paths::reset(&reset)).into_response())
}
