//! The operator commands, run as a person runs them.

use std::process::Command;

fn omnibots(db: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_omnibots"))
        .args(args)
        .env("DATABASE_URL", db)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs")
}

fn temp_db() -> (std::path::PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("omnibots-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/cli.db", dir.display());
    (dir, url)
}

#[test]
fn create_tenant_prints_json_seed_demo_is_idempotent_and_bad_arguments_are_one_line() {
    let (dir, db) = temp_db();
    let out = omnibots(
        &db,
        &[
            "create-tenant",
            "--slug",
            "acme",
            "--name",
            "Acme Corp",
            "--admin-email",
            "ada@acme.example",
            "--admin-first-name",
            "Ada",
            "--admin-last-name",
            "Lovelace",
            "--json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let created: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(created["tenant"], "acme");
    assert_eq!(created["admin_email"], "ada@acme.example");
    assert!(created["temporary_password"].as_str().unwrap().len() >= 16);

    let again = omnibots(
        &db,
        &[
            "create-tenant",
            "--slug",
            "acme",
            "--name",
            "X",
            "--admin-email",
            "x@y.example",
        ],
    );
    assert!(!again.status.success());
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(err.contains("already exists"), "{err}");

    for bad in [
        vec![
            "create-tenant",
            "--slug",
            "Not A Slug",
            "--name",
            "X",
            "--admin-email",
            "x@y.example",
        ],
        vec![
            "create-tenant",
            "--slug",
            "ok-slug",
            "--name",
            "X",
            "--admin-email",
            "nope",
        ],
        vec!["create-tenant", "--name", "X"],
        vec!["seed-demo", "--users", "many"],
        vec!["frobnicate"],
    ] {
        let out = omnibots(&db, &bad);
        assert!(!out.status.success(), "{bad:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            err.trim().lines().count(),
            1,
            "{bad:?}: one line, got {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }

    let first = omnibots(&db, &["seed-demo", "--users", "40"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let text = String::from_utf8_lossy(&first.stdout);
    assert!(
        text.contains("Workspace: demo")
            && text.contains("admin@demo.example")
            && text.contains("39 users added"),
        "{text}"
    );
    let second = omnibots(&db, &["seed-demo", "--users", "40"]);
    assert!(String::from_utf8_lossy(&second.stdout).contains("0 users added"));

    let help = omnibots(&db, &["--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    for word in [
        "create-tenant",
        "seed-demo",
        "serve",
        "DATABASE_URL",
        "LEPTOS_SITE_ADDR",
    ] {
        assert!(help.contains(word), "--help names {word}");
    }
    let _ = std::fs::remove_dir_all(dir);
}
