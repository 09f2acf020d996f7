//! The table's query: filters, sort, keyset pages, the capped match count and the roles of a
//! page in one more query. The roles of the tenant, for the filter and the form.

use super::users::{USER_COLUMNS, User};
use super::{Arg, Sql, Store, StoreError, TenantId};
use crate::users::model::{RoleOption, Status};
use crate::users::query::{MATCH_COUNT_CAP, MatchCount, SortKey, UserQuery};

/// One page of the table as the store reads it.
#[derive(Debug, Clone)]
pub struct ListedPage {
    pub rows: Vec<User>,
    pub matches: MatchCount,
    pub next: Option<i64>,
    pub prev: Option<i64>,
}

/// The sort expression of a key. `last_login` sorts "never" as the oldest.
pub(super) fn sort_expr(key: SortKey) -> &'static str {
    match key {
        SortKey::Name => "u.name_key",
        SortKey::Email => "u.email_norm",
        SortKey::Type => "u.user_type",
        SortKey::Status => "u.status",
        SortKey::LastLogin => "COALESCE(u.last_login_at, 0)",
        SortKey::Created => "u.created_at",
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Past this many matches a search reads the sort index in order rather than its own index.
const BROAD_SEARCH_MATCHES: i64 = 2_000;

/// How many rows of the sort index a broad word start reads for its page before it collects
/// its holders from the word index instead. A word start is often one first name: thousands of
/// holders, all in one stretch of the name (and email) order, so reading the sort index until
/// the page is full could read half the tenant ("li" at a million users: 0.9 s). Within this
/// many rows a spread-out word start fills its page; a clustered one is collected and sorted
/// (tens of thousands of holders at most, or it would not be clustered).
const WORD_SCAN_ROWS: i64 = 10_000;

/// Searches this short or shorter match the start of a word: a trigram index needs three
/// characters.
pub const PREFIX_SEARCH_MAX_CHARS: usize = 2;

/// What the search box asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Search {
    /// Nothing (empty, or one or two characters that are neither letters nor digits).
    Everyone,
    /// One or two characters: a word of the name or email starting with them, a token of
    /// `word_key` (store/users.rs [`word_key`](super::users::word_key)).
    WordStart(String),
    /// Three characters or more: a substring of `search_key`.
    Substring(String),
}

impl Search {
    /// The search of `q`, lower-cased as the keys are. Of one or two characters, the letters
    /// and digits before any other character are the word start ("a." looks for words
    /// starting with "a").
    pub(super) fn of(q: &UserQuery) -> Search {
        let text = q.q.trim().to_lowercase();
        if text.chars().count() > PREFIX_SEARCH_MAX_CHARS {
            return Search::Substring(text);
        }
        match text
            .split(|c: char| !c.is_alphanumeric())
            .find(|w| !w.is_empty())
        {
            Some(word) => Search::WordStart(word.to_string()),
            None => Search::Everyone,
        }
    }

    /// SQLite: the FTS5 table, column and phrase that find this search's rows.
    fn fts(&self) -> Option<(&'static str, &'static str, &str)> {
        match self {
            Search::Everyone => None,
            Search::WordStart(word) => Some(("users_words", "word_key", word)),
            Search::Substring(text) => Some(("users_search", "search_key", text)),
        }
    }
}

/// How a search finds its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Plan {
    /// SQLite: the candidates come from an FTS5 table (trigrams or word starts).
    Table,
    /// PostgreSQL: a condition the planner may answer from a GIN index (pg_trgm for
    /// substrings, the token array for word starts).
    Index,
    /// Either: the search checked row by row while the sort index is read in order (for a
    /// broad search, where the page fills after a few thousand rows). On PostgreSQL the
    /// substring's expression hides the column from the trigram index, whose estimate would
    /// otherwise win.
    Bypass,
}

impl Plan {
    /// How `store` finds a search's rows: checked row by row along the sort index when the
    /// search is `broad`, otherwise from the backend's search index.
    pub(super) fn of(store: &Store, broad: bool) -> Plan {
        match store {
            _ if broad => Plan::Bypass,
            Store::Sqlite(_) => Plan::Table,
            Store::Postgres(_) => Plan::Index,
        }
    }
}

/// ` AND (<key>, u.id) <cmp> (<row's key>, <row's id>)`: the rows past (or, with `<=`/`>=`, up
/// to) `row` in the order of `key` with ties by id, a range of the sort index.
pub(super) fn keyset_bound(sql: &mut Sql, key: &str, cmp: &str, (k, id): (Arg, i64)) {
    sql.push(&format!(" AND ({key}, u.id) {cmp} ("))
        .arg(k)
        .push(", ")
        .arg(id)
        .push(")");
}

/// An FTS5 query matching `phrase` in `column` among the rows of `tenant` only: its token is
/// the `search_tenant` column's three private-use characters
/// (migrations/sqlite/0006_search_by_tenant.sql), so FTS5 reads the tenant's doclist and
/// seeks through the phrase's, whatever other tenants hold. In `users_search` (trigrams) the
/// phrase is a substring of `search_key`; in `users_words` a whole token of `word_key`.
fn fts_query(tenant: TenantId, column: &str, phrase: &str) -> String {
    let t = tenant.0;
    let token: String = [(t >> 16) & 255, (t >> 8) & 255, t & 255]
        .into_iter()
        .filter_map(|b| char::from_u32(0xE000 + b as u32))
        .collect();
    format!(
        "search_tenant : \"{token}\" AND {column} : \"{}\"",
        phrase.replace('"', "\"\"")
    )
}

/// `FROM users u WHERE <tenant, search and filters>`, appended to `sql`.
///
/// Search is a case-insensitive substring of "first last email" (`search_key`), found through
/// the trigram index of each backend; one or two characters match the start of any word of
/// them instead, a token of `word_key`, found through the word index of each backend.
pub(super) fn filtered(sql: &mut Sql, tenant: TenantId, q: &UserQuery, plan: Plan) {
    let search = Search::of(q);
    if plan == Plan::Table
        && let Some((table, column, phrase)) = search.fts()
    {
        // The FTS5 table's rows whose filters hold, the filters checked on the narrow
        // `users_filter_probe` index (it also holds the name, for sorting): no wide row is read.
        // Both FTS5 tables match exactly (a token of `word_key`; a case-sensitive substring of
        // the lower-cased `search_key`, migrations/sqlite/0008_search_from_indexes.sql). Named,
        // or SQLite may walk the whole tenant in `users_by_name`, which holds the same columns
        // in name order, testing each row against the FTS5 list.
        sql.push(" FROM users u INDEXED BY users_filter_probe WHERE u.tenant_id = ")
            .arg(tenant)
            .push(&format!(
                " AND u.id IN (SELECT rowid FROM {table} WHERE {table} MATCH "
            ))
            .arg(fts_query(tenant, column, phrase))
            .push(")");
        filters(sql, "u", q);
        return;
    }
    sql.push(" FROM users u WHERE u.tenant_id = ").arg(tenant);
    match (search, plan) {
        (Search::Everyone, _) | (_, Plan::Table) => {}
        (Search::Substring(text), Plan::Index | Plan::Bypass) => {
            let column = if plan == Plan::Bypass {
                "(u.search_key || '')"
            } else {
                "u.search_key"
            };
            sql.push(&format!(" AND {column} LIKE "))
                .arg(format!("%{}%", like_escape(&text)))
                .push(" ESCAPE '\\'");
        }
        (Search::WordStart(word), Plan::Index) => {
            sql.push(" AND string_to_array(u.word_key, ' ') @> ARRAY[")
                .arg(word)
                .push("::text]");
        }
        (Search::WordStart(word), Plan::Bypass) => {
            sql.push(" AND u.word_key LIKE ")
                .arg(format!("% {} %", like_escape(&word)))
                .push(" ESCAPE '\\'");
        }
    }
    filters(sql, "u", q);
}

/// The status, type and role filters of `q` on the users row `alias`.
fn filters(sql: &mut Sql, alias: &str, q: &UserQuery) {
    if let Some(s) = q.status {
        sql.push(&format!(" AND {alias}.status = ")).arg(s.as_str());
    }
    if let Some(t) = q.user_type {
        sql.push(&format!(" AND {alias}.user_type = "))
            .arg(t.as_str());
    }
    if let Some(r) = q.role {
        // Correlated, so the page is read in sort order through the status/type indexes and
        // stops at the page size (driving from user_roles would read every holder of the role).
        sql.push(&format!(
            " AND EXISTS (SELECT 1 FROM user_roles ur WHERE ur.tenant_id = {alias}.tenant_id \
               AND ur.user_id = {alias}.id AND ur.role_id = "
        ))
        .arg(r)
        .push(")");
    }
}

/// The expression a statement of `plan` orders `search`'s rows by: the sort key, or on
/// PostgreSQL, for a rare word start, the same order in an expression no index serves (see
/// `page_statement`).
pub(super) fn order_expr(plan: Plan, search: &Search, sort: SortKey) -> String {
    let key = sort_expr(sort);
    match (plan, search, sort) {
        (Plan::Index, Search::WordStart(_), SortKey::LastLogin | SortKey::Created) => {
            format!("{key} + 0")
        }
        (Plan::Index, Search::WordStart(_), _) => format!("({key} || '')"),
        _ => key.to_string(),
    }
}

impl Store {
    /// The roles of a tenant, by name.
    pub async fn roles(&self, tenant: TenantId) -> Result<Vec<RoleOption>, StoreError> {
        let sql =
            Sql::new("SELECT id, name, description FROM roles WHERE tenant_id = $1 ORDER BY name")
                .bind(tenant);
        let rows = self.conn().await?.db().all(&sql).await?;
        rows.iter()
            .map(|r| {
                Ok(RoleOption {
                    id: r.get("id")?,
                    name: r.get("name")?,
                    description: r.get("description")?,
                })
            })
            .collect()
    }

    /// The names of a tenant's roles by id (History and Activity name the roles a record
    /// holds by id).
    pub async fn role_names(
        &self,
        tenant: TenantId,
    ) -> Result<std::collections::HashMap<i64, String>, StoreError> {
        Ok(self
            .roles(tenant)
            .await?
            .into_iter()
            .map(|r| (r.id, r.name))
            .collect())
    }

    /// One page of the table: the filters of `q`, sorted, after or before a cursor row; the
    /// roles of the page's users in one more query; and the capped match count.
    pub async fn list_users(
        &self,
        tenant: TenantId,
        q: &UserQuery,
    ) -> Result<ListedPage, StoreError> {
        let size = q.page_size() as i64;
        // Going back a page reads backwards from the cursor, then flips the rows.
        let backwards = q.before.is_some();
        let broad = self.broad_search(tenant, q).await?;
        let sql = self.page_statement(tenant, q, broad).await?;
        // The count and the page are independent reads: two connections, both cores. With no
        // search and no type or role filter, the tenant's maintained counters hold the exact
        // count: one row read instead of counting ten thousand.
        let counted =
            Search::of(q) == Search::Everyone && q.user_type.is_none() && q.role.is_none();
        let counting = async {
            if counted {
                let c = self.tenant_counts(tenant).await?;
                return Ok(match q.status {
                    None => c.total,
                    Some(Status::Active) => c.active,
                    Some(Status::Suspended) => c.suspended,
                });
            }
            let count = self.count_statement(tenant, q);
            self.conn().await?.db().scalar::<i64>(&count).await
        };
        let paging = async {
            let rows = self.page_rows(&sql).await?;
            // A broad word start read a bounded stretch of the sort index: a page short of
            // full may have more holders further on, so collect them instead.
            if broad && matches!(Search::of(q), Search::WordStart(_)) && rows.len() as i64 <= size {
                return self
                    .page_rows(&self.page_statement(tenant, q, false).await?)
                    .await;
            }
            Ok(rows)
        };
        let (matched, mut rows) = tokio::try_join!(counting, paging)?;

        let more = rows.len() as i64 > size;
        rows.truncate(size as usize);
        if backwards {
            rows.reverse();
        }
        let (next, prev) = match (backwards, q.after.is_some()) {
            // Came back: there is always a next page (the one we came from).
            (true, _) => (
                rows.last().map(|r| r.id.0),
                more.then(|| rows.first().map(|r| r.id.0)).flatten(),
            ),
            (false, after) => (
                more.then(|| rows.last().map(|r| r.id.0)).flatten(),
                after.then(|| rows.first().map(|r| r.id.0)).flatten(),
            ),
        };
        self.attach_roles(tenant, &mut rows).await?;
        Ok(ListedPage {
            rows,
            matches: if counted {
                MatchCount {
                    count: matched,
                    capped: false,
                }
            } else {
                MatchCount {
                    count: matched.min(MATCH_COUNT_CAP),
                    capped: matched > MATCH_COUNT_CAP,
                }
            },
            next,
            prev,
        })
    }

    /// The users a page statement reads.
    async fn page_rows(&self, sql: &Sql) -> Result<Vec<User>, StoreError> {
        let fetched = self.conn().await?.db().all(sql).await?;
        fetched.iter().map(User::from_row).collect()
    }

    /// The capped match count of `q` (through an FTS5 table on SQLite).
    pub fn count_statement(&self, tenant: TenantId, q: &UserQuery) -> Sql {
        // SQLite, a search and no filter: its FTS5 table alone counts (no row is read). The
        // tenant token is the tenant's own below 2^24; past that, tokens wrap and each row's
        // tenant is checked below.
        let search = Search::of(q);
        if let (Store::Sqlite(_), Some((table, column, phrase))) = (self, search.fts())
            && q.status.is_none()
            && q.user_type.is_none()
            && q.role.is_none()
            && tenant.0 < 1 << 24
        {
            return Self::held_fts(table, fts_query(tenant, column, phrase))
                .bind(MATCH_COUNT_CAP + 1);
        }
        let mut count = Sql::default();
        count.push("SELECT COUNT(*) FROM (SELECT 1");
        let plan = if matches!(self, Store::Sqlite(_)) {
            Plan::Table
        } else {
            Plan::Index
        };
        filtered(&mut count, tenant, q, plan);
        count.push(&format!(" LIMIT {}) capped", MATCH_COUNT_CAP + 1));
        count
    }

    /// Whether the search of `q` is held by more than `BROAD_SEARCH_MATCHES` users of the
    /// tenant: the page's plan depends on it, not on the filters nor on other tenants. On
    /// SQLite the FTS5 table alone answers (no row is read), on PostgreSQL the tenant's part of
    /// the GIN index.
    pub async fn broad_search(&self, tenant: TenantId, q: &UserQuery) -> Result<bool, StoreError> {
        let held = self
            .search_holders(tenant, q, BROAD_SEARCH_MATCHES + 1)
            .await?;
        Ok(held.is_some_and(|n| n > BROAD_SEARCH_MATCHES))
    }

    /// How many users of the tenant hold the search of `q`, counted up to `cap` (from the
    /// search index alone, whatever the filters); `None` without a search.
    pub async fn search_holders(
        &self,
        tenant: TenantId,
        q: &UserQuery,
        cap: i64,
    ) -> Result<Option<i64>, StoreError> {
        let search = Search::of(q);
        let sql = match (search, self) {
            (Search::Everyone, _) => return Ok(None),
            (search, Store::Sqlite(_)) => match search.fts() {
                Some((table, column, phrase)) => {
                    Self::held_fts(table, fts_query(tenant, column, phrase))
                }
                None => return Ok(None),
            },
            (Search::Substring(text), Store::Postgres(_)) => Sql::new(
                "SELECT COUNT(*) FROM (SELECT 1 FROM users u WHERE u.tenant_id = $1
                   AND u.search_key LIKE $2 ESCAPE '\\' LIMIT $3) held",
            )
            .bind(tenant)
            .bind(format!("%{}%", like_escape(&text))),
            (Search::WordStart(word), Store::Postgres(_)) => Sql::new(
                "SELECT COUNT(*) FROM (SELECT 1 FROM users u WHERE u.tenant_id = $1
                   AND string_to_array(u.word_key, ' ') @> ARRAY[$2::text] LIMIT $3) held",
            )
            .bind(tenant)
            .bind(word),
        };
        let sql = sql.bind(cap);
        Ok(Some(self.conn().await?.db().scalar(&sql).await?))
    }

    /// The statement counting (capped by its last parameter) the rows of an FTS5 `query`.
    fn held_fts(table: &str, query: String) -> Sql {
        Sql::new(format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE {table} MATCH $1 LIMIT $2)"
        ))
        .bind(query)
    }

    /// The rows of a page, one more than the page size to know whether a next page exists.
    /// A `broad` search reads the sort index in order and checks each row until the page is
    /// full (a few thousand rows at most), which beats collecting and sorting every match from
    /// the search index; a rare one goes through the search index. A broad word start reads
    /// at most `WORD_SCAN_ROWS` rows of the sort index. Public so the benchmark can time the
    /// bare SQL.
    pub async fn page_statement(
        &self,
        tenant: TenantId,
        q: &UserQuery,
        broad: bool,
    ) -> Result<Sql, StoreError> {
        let size = q.page_size() as i64;
        let key = sort_expr(q.sort);
        let backwards = q.before.is_some();
        let descending = q.desc != backwards;
        let (cmp, dir) = if descending {
            ("<", "DESC")
        } else {
            (">", "ASC")
        };
        let plan = Plan::of(self, broad);
        // The cursor row's sort key, so the page is a range scan of the sort index.
        let cursor = match q.after.or(q.before) {
            None => None,
            Some(id) => self.cursor_key(tenant, q.sort, id).await?.map(|k| (k, id)),
        };
        let after_cursor = |sql: &mut Sql| {
            if let Some(row) = cursor.clone() {
                keyset_bound(sql, key, cmp, row);
            }
        };
        let search = Search::of(q);
        if broad && let Search::WordStart(word) = &search {
            // The first `WORD_SCAN_ROWS` rows of the sort index that pass the filters, then
            // their holders of the word start (if the page comes out short, `list_users`
            // collects the holders instead). On PostgreSQL the name index carries `word_key`.
            let everyone = UserQuery {
                q: String::new(),
                ..q.clone()
            };
            let mut sql = Sql::new(format!(
                "SELECT {} FROM users u{} WHERE u.tenant_id = ",
                *USER_COLUMNS,
                self.by_id()
            ));
            sql.arg(tenant).push(&format!(
                " AND u.id IN (SELECT s.id FROM (SELECT u.id, {key} AS sort_key, u.word_key"
            ));
            filtered(&mut sql, tenant, &everyone, Plan::Bypass);
            after_cursor(&mut sql);
            sql.push(&format!(
                " ORDER BY {key} {dir}, u.id {dir} LIMIT {WORD_SCAN_ROWS}) s \
                 WHERE s.word_key LIKE "
            ))
            .arg(format!("% {} %", like_escape(word)))
            .push(&format!(
                " ESCAPE '\\' ORDER BY s.sort_key {dir}, s.id {dir} LIMIT "
            ))
            .arg(size + 1)
            .push(&format!(") ORDER BY {key} {dir}, u.id {dir}"));
            return Ok(sql);
        }
        let mut sql = Sql::default();
        // The ids of the page first, from an index alone, then their rows: a broad search
        // reads the name index (on both backends it holds the searched keys and the filtered
        // columns), a rare one on SQLite the FTS5 table and `users_filter_probe`.
        let ids_first = match self {
            Store::Sqlite(_) => search != Search::Everyone,
            Store::Postgres(_) => broad,
        };
        if ids_first {
            sql.push(&format!(
                "SELECT {} FROM users u{} WHERE u.tenant_id = ",
                *USER_COLUMNS,
                self.by_id()
            ))
            .arg(tenant)
            .push(" AND u.id IN (SELECT u.id");
        } else {
            sql.push(&format!("SELECT {}", *USER_COLUMNS));
        }
        filtered(&mut sql, tenant, q, plan);
        after_cursor(&mut sql);
        // PostgreSQL, a rare word start: its holders from the GIN index, sorted. Ordered by the
        // bare sort key, the planner reads the sort index in order instead, expecting holders
        // spread through it; a first name's holders sit in one stretch of the name order, and
        // "li" read half a million rows (2.4 s). The expression keeps the order but no index
        // serves it.
        let order = order_expr(plan, &search, q.sort);
        sql.push(&format!(" ORDER BY {order} {dir}, u.id {dir} LIMIT "))
            .arg(size + 1);
        if ids_first {
            sql.push(&format!(") ORDER BY {key} {dir}, u.id {dir}"));
        }
        Ok(sql)
    }

    /// How the rows of a page's ids are read once the ids are known: on SQLite by rowid
    /// (`NOT INDEXED` still looks rows up by rowid), or the planner could walk a sort index in
    /// order, testing each row against the few ids.
    fn by_id(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => " NOT INDEXED",
            Store::Postgres(_) => "",
        }
    }

    /// The sort key of the cursor row, if it is still there.
    async fn cursor_key(
        &self,
        tenant: TenantId,
        sort: SortKey,
        id: i64,
    ) -> Result<Option<Arg>, StoreError> {
        let sql = format!(
            "SELECT {} FROM users u WHERE u.tenant_id = $1 AND u.id = $2",
            sort_expr(sort)
        );
        let sql = Sql::new(sql).bind(tenant).bind(id);
        let Some(row) = self.conn().await?.db().optional(&sql).await? else {
            return Ok(None);
        };
        Ok(Some(match sort {
            SortKey::LastLogin | SortKey::Created => Arg::Int(row.get(0)?),
            SortKey::Name | SortKey::Email | SortKey::Type | SortKey::Status => {
                Arg::Text(row.get(0)?)
            }
        }))
    }
}
