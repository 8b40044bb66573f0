//! The session as pages and browser code see it: [`current_user`], the one
//! server function that says who is logged in. It lives here, not in a
//! component, because the header and the room socket both ask.

use leptos::prelude::*;

use crate::error::AppError;

/// `POST /api/me`: the username of the session, if logged in.
#[server(prefix = "/api", endpoint = "me")]
pub async fn current_user() -> Result<Option<String>, AppError> {
    let user = crate::server::http::gate::current_user().await?;
    Ok(user.map(|user| user.0.username))
}
