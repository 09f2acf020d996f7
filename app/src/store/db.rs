//! One way to run SQL on either database: a statement and its values ([`Sql`]), run through
//! [`Db`] on a pooled connection ([`Conn`]) or a write transaction ([`Tx`]), read back as
//! [`Row`]s. Each backend's driver runs natively (no `sqlx::Any` row conversion): the enums
//! below pick the arm once per statement.

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnection, PgRow, Postgres};
use sqlx::sqlite::{Sqlite, SqliteConnection, SqliteRow};
use sqlx::{ColumnIndex, Database, Decode, Encode, Row as _, Transaction, Type};

use super::{Store, StoreError, TenantId, UserId, classify};

/// A value bound to a placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Int(i64),
    Text(String),
    Bool(bool),
    /// A typed NULL: PostgreSQL infers a parameter's type from what is bound.
    NullInt,
    NullText,
}

/// What each type binds as: one line each.
#[rustfmt::skip]
mod conversions {
    use super::{Arg, TenantId, UserId};
    impl From<i64> for Arg { fn from(v: i64) -> Arg { Arg::Int(v) } }
    impl From<TenantId> for Arg { fn from(v: TenantId) -> Arg { Arg::Int(v.0) } }
    impl From<UserId> for Arg { fn from(v: UserId) -> Arg { Arg::Int(v.0) } }
    impl From<bool> for Arg { fn from(v: bool) -> Arg { Arg::Bool(v) } }
    impl From<&str> for Arg { fn from(v: &str) -> Arg { Arg::Text(v.to_string()) } }
    impl From<String> for Arg { fn from(v: String) -> Arg { Arg::Text(v) } }
    impl From<&String> for Arg { fn from(v: &String) -> Arg { Arg::Text(v.clone()) } }
    impl From<Option<i64>> for Arg { fn from(v: Option<i64>) -> Arg { v.map_or(Arg::NullInt, Arg::Int) } }
    impl From<Option<&str>> for Arg { fn from(v: Option<&str>) -> Arg { v.map_or(Arg::NullText, Arg::from) } }
    impl From<&Option<String>> for Arg { fn from(v: &Option<String>) -> Arg { Arg::from(v.as_deref()) } }
}

/// SQL text with `$n` placeholders (or `?` where built for SQLite) and the values that go with
/// them, in order.
#[derive(Debug, Default, Clone)]
pub struct Sql {
    pub text: String,
    pub args: Vec<Arg>,
}

impl Sql {
    /// A statement whose placeholders are written in `text`; bind their values in order.
    pub fn new(text: impl Into<String>) -> Sql {
        Sql {
            text: text.into(),
            args: Vec::new(),
        }
    }

    /// Binds the next placeholder already written in the text.
    pub fn bind(mut self, arg: impl Into<Arg>) -> Sql {
        self.args.push(arg.into());
        self
    }

    /// Appends text.
    pub fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// Appends a numbered placeholder bound to `arg`.
    pub fn arg(&mut self, arg: impl Into<Arg>) -> &mut Self {
        self.args.push(arg.into());
        self.text.push_str(&format!("${}", self.args.len()));
        self
    }

    /// Appends `(a, b, …)`, a placeholder bound to each value, for an `IN`.
    pub fn in_list<T: Into<Arg>>(&mut self, values: impl IntoIterator<Item = T>) -> &mut Self {
        self.text.push('(');
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.arg(v);
        }
        self.text.push(')');
        self
    }
}

/// `sql` as a query of backend `DB`, its values bound in order.
fn bound<'q, DB: Database>(sql: &'q Sql) -> sqlx::query::Query<'q, DB, DB::Arguments<'q>>
where
    i64: Encode<'q, DB> + Type<DB>,
    bool: Encode<'q, DB> + Type<DB>,
    &'q str: Encode<'q, DB> + Type<DB>,
    Option<i64>: Encode<'q, DB> + Type<DB>,
    Option<&'q str>: Encode<'q, DB> + Type<DB>,
{
    let mut q = sqlx::query::<DB>(&sql.text);
    for a in &sql.args {
        q = match a {
            Arg::Int(v) => q.bind(*v),
            Arg::Text(v) => q.bind(v.as_str()),
            Arg::Bool(v) => q.bind(*v),
            Arg::NullInt => q.bind(None::<i64>),
            Arg::NullText => q.bind(None::<&str>),
        };
    }
    q
}

/// A value both drivers can decode.
pub trait Value:
    for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres>
{
}
impl<T> Value for T where
    T: for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres>
{
}

/// A column by name or position.
pub trait Column: ColumnIndex<SqliteRow> + ColumnIndex<PgRow> {}
impl<T> Column for T where T: ColumnIndex<SqliteRow> + ColumnIndex<PgRow> {}

/// A stored value with a fixed set of spellings (a user's type, a status).
pub trait Stored: Sized {
    fn parse(s: &str) -> Option<Self>;
}

/// A result row of either backend.
pub enum Row {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

impl Row {
    /// The value of a column.
    pub fn get<T: Value>(&self, col: impl Column) -> Result<T, StoreError> {
        Ok(match self {
            Row::Sqlite(r) => r.try_get(col)?,
            Row::Postgres(r) => r.try_get(col)?,
        })
    }

    /// A column holding one of a fixed set of spellings. Anything else is a fault of the
    /// stored data, never "not found".
    pub fn parsed<T: Stored>(&self, col: &'static str) -> Result<T, StoreError> {
        let text: String = self.get(col)?;
        T::parse(&text).ok_or(StoreError::Corrupt {
            column: col,
            value: text,
        })
    }
}

/// A connection of either backend, borrowed for one statement.
pub enum Db<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

impl Db<'_> {
    /// Runs a statement; returns how many rows it changed.
    pub async fn execute(self, sql: &Sql) -> Result<u64, StoreError> {
        let done = match self {
            Db::Sqlite(c) => bound::<Sqlite>(sql)
                .execute(c)
                .await
                .map(|d| d.rows_affected()),
            Db::Postgres(c) => bound::<Postgres>(sql)
                .execute(c)
                .await
                .map(|d| d.rows_affected()),
        };
        done.map_err(classify)
    }

    /// Every row of a query.
    pub async fn all(self, sql: &Sql) -> Result<Vec<Row>, StoreError> {
        let rows = match self {
            Db::Sqlite(c) => bound::<Sqlite>(sql)
                .fetch_all(c)
                .await
                .map(|rows| rows.into_iter().map(Row::Sqlite).collect()),
            Db::Postgres(c) => bound::<Postgres>(sql)
                .fetch_all(c)
                .await
                .map(|rows| rows.into_iter().map(Row::Postgres).collect()),
        };
        rows.map_err(classify)
    }

    /// The row of a query, if there is one (a look-up by a unique key: any further row is
    /// ignored).
    pub async fn optional(self, sql: &Sql) -> Result<Option<Row>, StoreError> {
        Ok(self.all(sql).await?.into_iter().next())
    }

    /// The row of a query that always returns one (a count, `RETURNING`).
    pub async fn one(self, sql: &Sql) -> Result<Row, StoreError> {
        self.optional(sql)
            .await?
            .ok_or(StoreError::Database(sqlx::Error::RowNotFound))
    }

    /// The first column of the one row of a query.
    pub async fn scalar<T: Value>(self, sql: &Sql) -> Result<T, StoreError> {
        self.one(sql).await?.get(0)
    }
}

/// A pooled connection, for reads and single-statement writes.
pub enum Conn {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl Conn {
    pub fn db(&mut self) -> Db<'_> {
        match self {
            Conn::Sqlite(c) => Db::Sqlite(c),
            Conn::Postgres(c) => Db::Postgres(c),
        }
    }
}

/// A write transaction: rolled back when dropped without [`Tx::commit`].
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    pub fn db(&mut self) -> Db<'_> {
        match self {
            Tx::Sqlite(t) => Db::Sqlite(t),
            Tx::Postgres(t) => Db::Postgres(t),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Tx::Postgres(_))
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

impl Store {
    /// A connection from the pool.
    pub(crate) async fn conn(&self) -> Result<Conn, StoreError> {
        Ok(match self {
            Store::Sqlite(pool) => Conn::Sqlite(pool.acquire().await?),
            Store::Postgres(pool) => Conn::Postgres(pool.acquire().await?),
        })
    }

    /// Opens a write transaction. On SQLite it is `BEGIN IMMEDIATE`, which takes the write lock
    /// at the start so concurrent writers queue on the busy timeout instead of failing at
    /// commit.
    pub(crate) async fn write(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Store::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Store::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Runs a built statement and says how many rows it returned, without reading them: the
    /// benchmark's bare SQL, and its set-up statements.
    pub async fn rows(&self, sql: &Sql) -> Result<usize, StoreError> {
        Ok(self.conn().await?.db().all(sql).await?.len())
    }

    /// The first column of the one row of a built statement (the benchmark's set-up reads).
    pub async fn scalar<T: Value>(&self, sql: &Sql) -> Result<T, StoreError> {
        self.conn().await?.db().scalar(sql).await
    }

    /// Runs one statement on a pooled connection.
    pub(crate) async fn execute(&self, sql: &Sql) -> Result<(), StoreError> {
        self.conn().await?.db().execute(sql).await.map(drop)
    }
}
