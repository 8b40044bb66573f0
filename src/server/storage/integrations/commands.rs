//! Slash commands bots registered: one bot per name (the first to register
//! it; the same bot may describe it again), listed for the composer.

use chrono::Utc;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, SqlErr,
    sea_query::{Expr, OnConflict},
};

use crate::{
    entity::{bot_command, user},
    server::storage::{Store, StoreError, error::Taken},
};

/// A command as the composer lists it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Listed {
    pub name: String,
    pub description: String,
    /// The bot's username.
    pub bot: String,
}

/// The store's handle on bots' slash commands.
#[derive(Clone, Copy)]
pub struct Commands<'a>(&'a Store);

impl Store {
    /// Bots' slash commands.
    pub fn commands(&self) -> Commands<'_> {
        Commands(self)
    }
}

impl Commands<'_> {
    /// Registers `/name` for bot `bot_id` (or describes it anew, when it is
    /// the bot's already); `Conflict` when another bot has it.
    pub async fn register_command(&self, bot_id: i64, name: &str, description: &str) -> Result<bot_command::Model, StoreError> {
        if let Some(existing) = self.find_command(name).await? {
            if existing.user_id != bot_id {
                return Err(StoreError::Conflict(Taken::Value));
            }
            bot_command::Entity::update_many()
                .col_expr(bot_command::Column::Description, Expr::value(description))
                .filter(bot_command::Column::Id.eq(existing.id))
                .exec(self.0.db())
                .await?;
            return Ok(bot_command::Model { description: description.to_owned(), ..existing });
        }
        let row = bot_command::ActiveModel {
            id: NotSet,
            name: Set(name.to_owned()),
            description: Set(description.to_owned()),
            user_id: Set(bot_id),
            created_at: Set(Utc::now()),
        };
        let keep = OnConflict::column(bot_command::Column::Name).do_nothing().to_owned();
        match bot_command::Entity::insert(row).on_conflict(keep).exec_with_returning(self.0.db()).await {
            Ok(row) => Ok(row),
            // Another bot registered it a moment ago.
            Err(DbErr::RecordNotInserted) => Err(StoreError::Conflict(Taken::Value)),
            Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                Err(StoreError::Conflict(Taken::Value))
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Removes bot `bot_id`'s command `name`. False when it has none such.
    pub async fn unregister_command(&self, bot_id: i64, name: &str) -> Result<bool, StoreError> {
        let deleted = bot_command::Entity::delete_many()
            .filter(bot_command::Column::Name.eq(name))
            .filter(bot_command::Column::UserId.eq(bot_id))
            .exec(self.0.db())
            .await?;
        Ok(deleted.rows_affected > 0)
    }

    /// The command registered as `name`.
    pub async fn find_command(&self, name: &str) -> Result<Option<bot_command::Model>, StoreError> {
        Ok(bot_command::Entity::find().filter(bot_command::Column::Name.eq(name)).one(self.0.db()).await?)
    }

    /// Every command of an active bot, by name.
    pub async fn all(&self) -> Result<Vec<Listed>, StoreError> {
        let rows = bot_command::Entity::find()
            .find_also_related(user::Entity)
            .order_by_asc(bot_command::Column::Name)
            .all(self.0.db())
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(command, bot)| {
                let bot = bot.filter(|bot| !bot.deactivated)?;
                Some(Listed { name: command.name, description: command.description, bot: bot.username })
            })
            .collect())
    }
}
