//! The store embeds `migrations/` at compile time (`sqlx::migrate!`); a changed or added
//! migration must rebuild the crate, which cargo does not know without being told (sqlx's
//! documented build script).

fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
