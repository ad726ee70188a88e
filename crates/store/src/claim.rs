//! Claiming one due row of a work table (jobs, alert deliveries) for this instance, so that of
//! several instances polling at once exactly one gets each row and none waits: PostgreSQL picks
//! it with `FOR UPDATE SKIP LOCKED`; SQLite has one writer at a time (`BEGIN IMMEDIATE`), which
//! does the same.

use crate::views::StoreRow;
use crate::{BeginWrite, Pool, Result, Store};

/// What to claim. `$1` in `due` and `set` is the time now in milliseconds; `set` may use `$2`
/// and on for `extra` values.
pub(crate) struct Claim<'a> {
    pub table: &'static str,
    /// Which rows are due (only `$1` may appear here).
    pub due: &'a str,
    /// The `SET` list that makes the row this instance's (its lease, its attempt count).
    pub set: &'a str,
    /// The columns returned.
    pub columns: &'static str,
    pub now_ms: i64,
    pub extra: Vec<ExtraBind>,
}

/// A value `set` binds after the time.
#[derive(Clone, Debug)]
pub(crate) enum ExtraBind {
    Int(i64),
    Text(String),
}

impl Store {
    /// Claims the oldest due row, returning it as changed by `set`; `None` when none is due.
    pub(crate) async fn claim_one<T: StoreRow>(&self, claim: Claim<'_>) -> Result<Option<T>> {
        let Claim {
            table,
            due,
            set,
            columns,
            now_ms,
            extra,
        } = claim;
        let pick =
            |lock: &str| format!("SELECT id FROM {table} WHERE {due} ORDER BY id LIMIT 1{lock}");
        let update =
            |id: &str| format!("UPDATE {table} SET {set} WHERE id = {id} RETURNING {columns}");
        macro_rules! bound {
            ($query:expr) => {{
                let mut query = $query.bind(now_ms);
                for value in &extra {
                    query = match value {
                        ExtraBind::Int(n) => query.bind(*n),
                        ExtraBind::Text(t) => query.bind(t.clone()),
                    };
                }
                query
            }};
        }
        let row = match &self.pool {
            Pool::Postgres(pool) => {
                let sql = update(&format!("({})", pick(" FOR UPDATE SKIP LOCKED")));
                bound!(sqlx::query_as::<_, T>(&sql))
                    .fetch_optional(pool)
                    .await?
            }
            Pool::Sqlite(pool) => {
                let mut tx = pool.begin_write().await?;
                let id: Option<i64> = sqlx::query_scalar(&pick(""))
                    .bind(now_ms)
                    .fetch_optional(&mut *tx)
                    .await?;
                let row = match id {
                    Some(id) => {
                        let sql = update(&format!("${}", extra.len() + 2));
                        Some(
                            bound!(sqlx::query_as::<_, T>(&sql))
                                .bind(id)
                                .fetch_one(&mut *tx)
                                .await?,
                        )
                    }
                    None => None,
                };
                tx.commit().await?;
                row
            }
        };
        Ok(row)
    }
}
