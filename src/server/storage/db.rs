//! Connecting to the database chosen by `DATABASE_URL` and bringing its schema up
//! to date. SQLite runs in WAL mode with a busy timeout, foreign keys on, a
//! 32 MiB page cache per connection, and `synchronous=FULL` unless told otherwise.

use std::{path::Path, time::Duration};

use crate::server::config::SqliteSync;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ActiveModelTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, EntityTrait, Iterable, Select,
    sea_query::OnConflict,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

/// Each SQLite connection's page cache: 32 MiB (negative: KiB), at most 128 MiB
/// over the pool's four connections, and only as it fills. SQLite's default of
/// 2 MiB made the writer's batches evict and read back the pages of the message
/// table's indexes (`scripts/bench.sh f`: ≈ 15k acked msg/s with the default,
/// ≈ 20k with this).
const SQLITE_CACHE_SIZE: &str = "-32768";

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error("cannot open the database {url}: {source}")]
    Connect { url: String, source: DbErr },
    #[error("cannot migrate the database {url}: {source}")]
    Migrate { url: String, source: DbErr },
}

/// Opens `url` (creating a SQLite file's directory when needed) and runs every
/// pending migration.
pub async fn connect_and_migrate(url: &str, sync: SqliteSync) -> Result<DatabaseConnection, DbSetupError> {
    if let Some(dir) = sqlite_parent_dir(url) {
        std::fs::create_dir_all(&dir).map_err(|source| DbSetupError::DataDir { path: dir.display().to_string(), source })?;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .max_connections(if url.starts_with("sqlite:") { 4 } else { 16 })
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(3))
        .map_sqlx_sqlite_opts(move |opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(match sync {
                    SqliteSync::Full => SqliteSynchronous::Full,
                    SqliteSync::Normal => SqliteSynchronous::Normal,
                })
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
                .pragma("cache_size", SQLITE_CACHE_SIZE)
        });
    let db = Database::connect(options).await.map_err(|source| DbSetupError::Connect { url: redact(url), source })?;
    Migrator::up(&db, None).await.map_err(|source| DbSetupError::Migrate { url: redact(url), source })?;
    Ok(db)
}

/// Looks a row up by a unique key (primary key, unique column). It reads with
/// `.all()` rather than `.one()`: `.one()` binds `LIMIT ?`, and SQLite plans
/// with a bound limit's value, so it re-prepares such a statement at every
/// execution (`sqlite3Reprepare` took 15% of the room page's CPU). A unique key
/// matches at most one row anyway.
pub async fn find_unique<E: EntityTrait>(select: Select<E>, db: &impl ConnectionTrait) -> Result<Option<E::Model>, DbErr> {
    Ok(select.all(db).await?.into_iter().next())
}

/// Most values one statement binds: SQLite's limit (PostgreSQL's is 65,535).
const MAX_BOUND_VALUES: usize = 32_766;
/// Most rows one `INSERT` writes, so that its text stays one of a few shapes
/// to prepare (sqlx caches statements by their text).
const MAX_ROWS_PER_INSERT: usize = 512;

/// Inserts any number of rows (none is fine), one statement per chunk small
/// enough for the backend's limit on bound values, each with `on_conflict`.
pub async fn insert_chunked<A: ActiveModelTrait>(
    db: &impl ConnectionTrait,
    rows: impl IntoIterator<Item = A>,
    on_conflict: Option<&OnConflict>,
) -> Result<(), DbErr> {
    let columns = <<A::Entity as EntityTrait>::Column as Iterable>::iter().count().max(1);
    let per_insert = (MAX_BOUND_VALUES / columns).clamp(1, MAX_ROWS_PER_INSERT);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(per_insert).collect();
        let mut insert = <A::Entity as EntityTrait>::insert_many(chunk);
        if let Some(on_conflict) = on_conflict {
            insert = insert.on_conflict(on_conflict.clone());
        }
        insert.exec_without_returning(db).await?;
    }
    Ok(())
}

/// A raw statement for the connection's backend, written with `?`
/// placeholders (PostgreSQL's `$1, $2, ...` are numbered in for it).
pub fn statement(db: &impl ConnectionTrait, sql: &str, values: impl IntoIterator<Item = sea_orm::Value>) -> sea_orm::Statement {
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            let mut numbered = String::with_capacity(sql.len() + 8);
            let mut n = 0;
            for c in sql.chars() {
                if c == '?' {
                    n += 1;
                    numbered.push_str(&format!("${n}"));
                } else {
                    numbered.push(c);
                }
            }
            numbered
        }
        _ => sql.to_owned(),
    };
    sea_orm::Statement::from_sql_and_values(backend, sql, values)
}

/// Answers whether the database responds to a trivial query.
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.execute_unprepared("SELECT 1").await.map(|_| ())
}

/// The directory that holds a `sqlite://` database file, if the URL names one.
fn sqlite_parent_dir(url: &str) -> Option<std::path::PathBuf> {
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next()?;
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()).map(Path::to_path_buf)
}

/// Hides a password in a URL before it is logged.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_directory_of_a_sqlite_file() {
        assert_eq!(sqlite_parent_dir("sqlite://data/parlor.db?mode=rwc"), Some("data".into()));
        assert_eq!(sqlite_parent_dir("sqlite::memory:"), None);
        assert_eq!(sqlite_parent_dir("postgres://localhost/parlor"), None);
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("sqlite://x.db"), "sqlite://x.db");
    }
}
