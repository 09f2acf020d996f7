//! The integration tests: one binary, run on SQLite and on PostgreSQL.
//!
//! PostgreSQL is `postgres://postgres@127.0.0.1:5432/test` unless `TEST_POSTGRES_URL` says
//! otherwise; each test gets its own freshly migrated database (or SQLite file).

mod activity;
mod bulk;
mod cli;
mod cluster;
mod crash;
mod export;
mod history;
mod http;
mod isolation;
mod jobs;
mod metrics;
mod races;
mod render;
mod scale;
mod security;
mod sessions;
mod sign_in_race;
mod store;
mod support;
mod throttle;
mod users;
