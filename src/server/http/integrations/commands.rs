//! `/api/commands`: slash commands. A bot registers `/name` with a
//! description (its token); typing `/name args` in a room's composer then
//! sends the bot a `command` event instead of a message, and the bot answers
//! in the room. Everyone logged in may list them (the composer completes them).

use axum::{
    Json,
    extract::{Extension, State},
};
use serde::Deserialize;

use crate::{
    error::AppError,
    protocol::{
        AccountKind,
        api::{CommandInfo, CommandList, CommandRemoved},
        check_command_name,
    },
    server::{
        accounts::tokens::Bearer,
        http::{forms::ValidForm, gate::RequireUser, state::AppState},
        storage::StoreError,
    },
};

/// Longest description, in characters.
const MAX_DESCRIPTION_CHARS: usize = 200;

/// The form of `POST /api/commands`.
#[derive(Deserialize)]
pub struct NewCommandForm {
    name: String,
    #[serde(default)]
    description: String,
}

/// The bot of a request (its token).
fn bot_of(bearer: Option<Extension<Bearer>>) -> Result<crate::entity::user::Model, AppError> {
    match bearer {
        Some(Extension(Bearer { user, .. })) if user.0.kind == AccountKind::Bot => Ok(user.0),
        _ => Err(AppError::BadRequest("commands are registered by a bot, with its API token".into())),
    }
}

/// `POST /api/commands` (`name`, `description`) → `{"name", "description",
/// "bot"}`; 409 when another bot has the name.
pub async fn register(
    State(state): State<AppState>,
    bearer: Option<Extension<Bearer>>,
    ValidForm(form_data): ValidForm<NewCommandForm>,
) -> Result<Json<CommandInfo>, AppError> {
    let bot = bot_of(bearer)?;
    let name = check_command_name(&form_data.name)
        .map_err(|_| AppError::BadRequest("a command's name is 1-32 characters of a-z, 0-9, _ and -".into()))?;
    let description = form_data.description.trim();
    if description.chars().count() > MAX_DESCRIPTION_CHARS || description.chars().any(char::is_control) {
        return Err(AppError::BadRequest(format!("a description is at most {MAX_DESCRIPTION_CHARS} characters of text")));
    }
    let row = state.store.commands().register_command(bot.id, &name, description).await.map_err(|err| match err {
        StoreError::Conflict(_) => AppError::BadRequest(format!("/{name} is another bot's command")),
        other => other.into(),
    })?;
    Ok(Json(CommandInfo { name: row.name, description: row.description, bot: bot.username }))
}

/// `GET /api/commands` → `{"commands": [{"name", "description", "bot"}]}`.
pub async fn list(State(state): State<AppState>, RequireUser(_): RequireUser) -> Result<Json<CommandList>, AppError> {
    let commands = state
        .store
        .commands()
        .all()
        .await?
        .into_iter()
        .map(|listed| CommandInfo { name: listed.name, description: listed.description, bot: listed.bot })
        .collect();
    Ok(Json(CommandList { commands }))
}

/// The form of `POST /api/commands/remove`.
#[derive(Deserialize)]
pub struct RemoveCommandForm {
    name: String,
}

/// `POST /api/commands/remove` (`name`): the bot's own command goes.
pub async fn remove(
    State(state): State<AppState>,
    bearer: Option<Extension<Bearer>>,
    ValidForm(form_data): ValidForm<RemoveCommandForm>,
) -> Result<Json<CommandRemoved>, AppError> {
    let bot = bot_of(bearer)?;
    let name = check_command_name(&form_data.name).map_err(|_| AppError::NotFound)?;
    match state.store.commands().unregister_command(bot.id, &name).await? {
        true => Ok(Json(CommandRemoved { removed: true, name })),
        false => Err(AppError::NotFound),
    }
}
