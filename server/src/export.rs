//! `GET /users.csv`: the users page's view (the same query string) as a CSV download.
//!
//! A plain link, so it works without JavaScript. The rows stream as they are read, a batch at
//! a time (`app::store::Export`), so a million users start arriving at once and the server
//! holds one batch in memory, never the file; gzipped as they go when the browser accepts it
//! (a million rows are about 150 MB of text). Each export is one audit record,
//! `users.export`, with the rows sent and whether the download ran to its end.

use std::io::Write;
use std::sync::Arc;

use app::auth::model::Viewer;
use app::error::AppError;
use app::server::{AppState, admin_only, resolve_session};
use app::store::{EXPORT_BATCH, Export, ExportRow, Store, StoreError, TenantId, UserId};
use app::users::csv;
use app::users::query::UserQuery;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use flate2::write::GzEncoder;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

use crate::AbortOnDrop;
use crate::compress::Coding;

/// Where the export is served.
pub const PATH: &str = "/users.csv";

/// Exports one server runs at once: each keeps a core busy while it streams; more wait.
const EXPORTS_AT_ONCE: usize = 2;

/// How long to wait before retrying when every export slot is taken.
const RETRY_AFTER_SECONDS: u64 = 30;

/// Batches each reader reads ahead of the one being sent: the database reads the next batches
/// while the body encodes and compresses this one (a million rows: 23 s of reading and 7 s of
/// gzip one after the other, before).
const READ_AHEAD: usize = 2;

/// Readers of one export, side by side: each reads every other piece of the view (a batch's
/// worth of rows, `EXPORT_BATCH`), so both cores read while the body takes the pieces in turn.
/// One connection read a million rows in 19.5 s on SQLite and 27.6 s on PostgreSQL, a core's
/// worth of B-tree descents and row handling (docs/PERFORMANCE.md).
const READERS: usize = 2;

/// What a reader hands the body.
enum Read {
    Rows(Vec<ExportRow>),
    /// The piece's last rows have been sent; the next piece comes from the next reader.
    PieceEnd,
    Failed(StoreError),
    /// Every row has been read. (A channel closed without it means the reader died.)
    Done,
}

/// What a reader is given to read.
enum Piece {
    Read(Export),
    /// Where the next piece ends could not be read.
    Failed(StoreError),
}

/// Reads `export` as pieces of a batch each, the `i`-th piece by reader `i % READERS`: one
/// task finds where each piece ends (the key of its last row, from the sort index) and hands
/// it to its reader; each reader sends its pieces' rows down its own channel, and the body
/// takes the channels in turn. A view not read in an index's order is one piece, read by one
/// reader. Every task stops once the body's channels close (the download was dropped).
fn read_pieces(store: Store, mut export: Export) -> (Vec<mpsc::Receiver<Read>>, Vec<AbortOnDrop>) {
    let readers = if export.walks_index() { READERS } else { 1 };
    let mut tasks = Vec::with_capacity(readers + 1);
    let mut inputs = Vec::with_capacity(readers);
    let mut outputs = Vec::with_capacity(readers);
    for _ in 0..readers {
        let (pieces, pieces_rx) = mpsc::channel(1);
        let (rows, rows_rx) = mpsc::channel(READ_AHEAD);
        tasks.push(AbortOnDrop(tokio::spawn(read(
            store.clone(),
            pieces_rx,
            rows,
        ))));
        inputs.push(pieces);
        outputs.push(rows_rx);
    }
    tasks.push(AbortOnDrop(tokio::spawn(async move {
        for reader in (0..readers).cycle() {
            let until = if readers == 1 {
                Ok(None)
            } else {
                export.boundary(&store, EXPORT_BATCH).await
            };
            let (piece, last) = match until {
                Ok(until) => (Piece::Read(export.split(until.clone())), until.is_none()),
                Err(e) => (Piece::Failed(e), true),
            };
            if inputs[reader].send(piece).await.is_err() || last {
                return;
            }
        }
    })));
    (outputs, tasks)
}

/// One reader: the rows of each piece it is given, a batch at a time, then the piece's end
/// (or, after the view's last piece, `Done`).
async fn read(store: Store, mut pieces: mpsc::Receiver<Piece>, rows: mpsc::Sender<Read>) {
    while let Some(piece) = pieces.recv().await {
        let mut piece = match piece {
            Piece::Read(piece) => piece,
            Piece::Failed(e) => {
                let _ = rows.send(Read::Failed(e)).await;
                return;
            }
        };
        loop {
            let read = match piece.next_batch(&store).await {
                Ok(Some(batch)) => Read::Rows(batch),
                Ok(None) if piece.reaches_end() => Read::Done,
                Ok(None) => Read::PieceEnd,
                Err(e) => Read::Failed(e),
            };
            let (more, failed) = (
                matches!(read, Read::Rows(_)),
                matches!(read, Read::Failed(_)),
            );
            // A closed channel: the download was dropped; stop reading.
            if rows.send(read).await.is_err() || failed {
                return;
            }
            if !more {
                break;
            }
        }
    }
}

#[derive(Clone)]
struct Exports {
    state: AppState,
    slots: Arc<Semaphore>,
}

/// The export's route.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(PATH, get(users_csv))
        .with_state(Exports {
            state,
            slots: Arc::new(Semaphore::new(EXPORTS_AT_ONCE)),
        })
}

async fn users_csv(
    State(exports): State<Exports>,
    headers: HeaderMap,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let state = &exports.state;
    let user = match resolve_session(state, &headers).await {
        Ok(Some(user)) => user,
        Ok(None) => return redirect("/sign-in"),
        Err(e) => return refusal(&e),
    };
    if user.password_temporary {
        return redirect("/change-password");
    }
    let user = match admin_only(user) {
        Ok(user) => user,
        Err(e) => return refusal(&e),
    };
    let Ok(slot) = exports.slots.clone().try_acquire_owned() else {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, RETRY_AFTER_SECONDS.to_string())],
            "Other exports are running. Try again in a minute.",
        )
            .into_response();
    };
    let view = UserQuery::from_pairs(|k| {
        pairs
            .iter()
            .find(|(pk, _)| pk == k)
            .map(|(_, v)| v.as_str())
    })
    .first_page();
    let export = match Export::start(&state.store, user.tenant_id, &view).await {
        Ok(export) => export,
        Err(e) => return refusal(&AppError::from(e)),
    };
    let tz = Viewer::from(&user)
        .timezone
        .parse()
        .unwrap_or(chrono_tz::Tz::UTC);
    let filename = format!(
        "users-{}-{}.csv",
        user.tenant_slug,
        chrono::Utc::now().with_timezone(&tz).format("%Y-%m-%d")
    );
    // Level 1, the fastest: a million rows (147 MB) come to 39 MB for about 7 s of one core,
    // spent beside the reads (docs/PERFORMANCE.md).
    let gzip = Coding::Gzip
        .accepted(&headers)
        .then(|| GzEncoder::new(Vec::new(), flate2::Compression::fast()));
    let (rows, readers) = read_pieces(state.store.clone(), export);
    let walk = Walk {
        rows,
        turn: 0,
        _readers: readers,
        gzip,
        tz,
        started: false,
        finished: false,
        record: Record {
            store: state.store.clone(),
            tenant: user.tenant_id,
            actor: user.user_id,
            view: view.to_query_string(),
            rows: 0,
            written: false,
        },
        _slot: slot,
    };
    let gzipped = walk.gzip.is_some();
    let body = Body::from_stream(futures_util::stream::unfold(walk, Walk::step));
    let mut res = (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response();
    let headers = res.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if gzipped {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    res
}

/// The export under way: the batches as the reader hands them over, and its audit record.
struct Walk {
    /// Each reader's batches, taken in turn a piece at a time.
    rows: Vec<mpsc::Receiver<Read>>,
    /// The reader whose piece comes next.
    turn: usize,
    /// Stop the readers when the download is dropped.
    _readers: Vec<AbortOnDrop>,
    /// The body's compressor, when the browser accepts gzip.
    gzip: Option<GzEncoder<Vec<u8>>>,
    tz: chrono_tz::Tz,
    started: bool,
    finished: bool,
    record: Record,
    /// Held until the download ends or is dropped.
    _slot: OwnedSemaphorePermit,
}

impl Walk {
    /// The next chunk of the file: the header with the first batch, then a batch at a time.
    /// A failure ends the body with an error, so the browser reports a failed download
    /// instead of saving a file that looks complete.
    async fn step(mut self) -> Option<(Result<Bytes, std::io::Error>, Walk)> {
        if self.finished {
            return None;
        }
        let mut out = String::new();
        if !self.started {
            self.started = true;
            out.push_str(csv::BOM);
            csv::write_header(&mut out);
        }
        loop {
            match self.rows[self.turn].recv().await {
                Some(Read::Rows(rows)) => {
                    for row in &rows {
                        csv::write_user(&mut out, row, self.tz);
                    }
                    self.record.rows += rows.len() as u64;
                }
                Some(Read::PieceEnd) => {
                    self.turn = (self.turn + 1) % self.rows.len();
                    continue;
                }
                Some(Read::Failed(e)) => return Some((Err(self.fail(AppError::from(e))), self)),
                None => {
                    tracing::error!("an export's reader stopped before its last row");
                    return Some((Err(self.fail(AppError::Internal)), self));
                }
                Some(Read::Done) => {
                    self.finished = true;
                    // Recorded before the last chunk leaves: a download the server finished
                    // counts as complete.
                    if let Err(e) = self.record.write(true).await {
                        return Some((Err(self.fail(AppError::from(e))), self));
                    }
                }
            }
            break;
        }
        let chunk = self.encode(out);
        Some((chunk, self))
    }

    /// `text` as it goes on the wire: as it is, or through the compressor, flushed so the
    /// browser gets each batch as it is read, and finished with the last.
    fn encode(&mut self, text: String) -> Result<Bytes, std::io::Error> {
        if self.finished {
            return match self.gzip.take() {
                Some(mut gz) => {
                    gz.write_all(text.as_bytes())?;
                    gz.finish().map(Bytes::from)
                }
                None => Ok(Bytes::from(text)),
            };
        }
        match self.gzip.as_mut() {
            Some(gz) => {
                gz.write_all(text.as_bytes())?;
                gz.flush()?;
                Ok(Bytes::from(std::mem::take(gz.get_mut())))
            }
            None => Ok(Bytes::from(text)),
        }
    }

    /// Ends the walk after a failure (already logged by the error's conversion).
    fn fail(&mut self, _cause: AppError) -> std::io::Error {
        self.finished = true;
        std::io::Error::other("the export stopped: a database read failed")
    }
}

/// The export's audit record: written once, complete when the last row was sent, and
/// otherwise (a failure, or the browser went away) when the download is dropped.
struct Record {
    store: Store,
    tenant: TenantId,
    actor: UserId,
    view: String,
    rows: u64,
    written: bool,
}

impl Record {
    async fn write(&mut self, complete: bool) -> Result<(), app::store::StoreError> {
        self.written = true;
        self.store
            .record_export(self.tenant, self.actor, self.rows, &self.view, complete)
            .await
    }
}

impl Drop for Record {
    fn drop(&mut self) {
        if self.written {
            return;
        }
        let (store, tenant, actor, rows, view) = (
            self.store.clone(),
            self.tenant,
            self.actor,
            self.rows,
            std::mem::take(&mut self.view),
        );
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(e) = store.record_export(tenant, actor, rows, &view, false).await {
                    tracing::error!(error = %e, "cannot record an interrupted export");
                }
            });
        }
    }
}

/// A redirect to a page the person must see first (a link followed while signed out).
fn redirect(path: &'static str) -> Response {
    (
        StatusCode::FOUND,
        [
            (header::LOCATION, HeaderValue::from_static(path)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
    )
        .into_response()
}

/// A refusal as plain text with the error's status (the cause of an internal one is logged,
/// never sent).
fn refusal(err: &AppError) -> Response {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, err.to_string()).into_response()
}
