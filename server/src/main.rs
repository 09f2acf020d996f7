//! `omnibots`: serves the Tenant Admin Portal, and runs the operator commands.

use std::process::ExitCode;

use app::server::throttle::THROTTLE_HELP;
use app::server::{AppState, Settings, config::SETTINGS_HELP};
use clap::{Parser, Subcommand};
use omnibots::commands::{self, CreateTenant};

/// mimalloc instead of glibc's malloc: rendering a page allocates thousands of small strings
/// and frees them at the reply, across the runtime's threads, and glibc's allocator was about a
/// fifth of the server's CPU under load (docs/PERFORMANCE.md, issue #13).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "omnibots",
    version,
    about = "The OmniBots Tenant Admin Portal: serves the portal (the default) and runs operator commands.",
    after_help = help()
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal on LEPTOS_SITE_ADDR (the default command).
    #[command(after_help = help())]
    Serve,
    /// Create a tenant with its default roles and first admin; print the admin's temporary password.
    #[command(after_help = help())]
    CreateTenant {
        #[command(flatten)]
        args: CreateTenant,
        /// Print one JSON object: {"tenant", "admin_email", "temporary_password"}.
        #[arg(long)]
        json: bool,
    },
    /// Create or top up the demo tenant ("demo") with realistic users; idempotent.
    #[command(after_help = help())]
    SeedDemo {
        /// How many users the demo tenant should have in all.
        #[arg(long, default_value_t = 200)]
        users: u64,
        /// Start serving afterwards (what the README's run command does).
        #[arg(long)]
        serve: bool,
    },
}

/// Every environment setting, for `--help`.
fn help() -> String {
    format!("{SETTINGS_HELP}\n\n{THROTTLE_HELP}")
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            // One line, no usage dump: the error says what is wrong and points at --help.
            let first = e.to_string();
            let first = first.lines().next().unwrap_or("invalid arguments");
            eprintln!("{first} (see omnibots --help)");
            return ExitCode::from(2);
        }
        Err(e) => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
    };
    init_logging();
    // Panics are logged (with their message, location and request) and counted by the hook of
    // `app::server::metrics`, which then calls the hook before it: here not the default one,
    // whose stderr message would repeat the log line.
    std::panic::set_hook(Box::new(|_| {}));
    app::server::metrics::install_panic_hook();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr, as text or (`OMNIBOTS_LOG_FORMAT=json`) one JSON object per line. Each
/// request's lines carry its span: request id, method and path.
fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("OMNIBOTS_LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json")) {
        builder.json().with_current_span(true).init();
    } else {
        builder.init();
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let settings = Settings::from_env()?;
    let store = omnibots::open_store(&settings).await?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(store, settings).await,
        Command::CreateTenant { args, json } => {
            let created = commands::create_tenant(&store, &settings, &args).await?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string(&created).map_err(|e| e.to_string())?
                );
            } else {
                let hours = settings.temporary_password_ttl.as_secs() / 3600;
                println!("Created tenant {:?} ({}).", created.tenant, args.name);
                println!("Sign in at /sign-in with:");
                println!("  Workspace:          {}", created.tenant);
                println!("  Email:              {}", created.admin_email);
                println!("  Temporary password: {}", created.temporary_password);
                println!(
                    "It must be changed at first sign-in and expires in {hours} hours if unused."
                );
            }
            store.close().await;
            Ok(())
        }
        Command::SeedDemo {
            users,
            serve: then_serve,
        } => {
            let demo = commands::seed_demo(&store, &settings, users).await?;
            let addr = site_addr();
            println!();
            println!(
                "  OmniBots Tenant Admin: demo tenant ready ({} users added).",
                demo.users_added
            );
            println!("  Open http://{addr}/sign-in and sign in with:");
            println!("    Workspace: {}", demo.workspace);
            println!("    Email:     {}", demo.email);
            match &demo.temporary_password {
                Some(p) => println!("    Password:  {p}   (temporary: you will choose your own)"),
                None => println!("    Password:  the one you chose at first sign-in"),
            }
            println!();
            if then_serve {
                serve(store, settings).await
            } else {
                store.close().await;
                Ok(())
            }
        }
    }
}

fn site_addr() -> String {
    std::env::var("LEPTOS_SITE_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".into())
}

async fn serve(store: app::store::Store, settings: Settings) -> Result<(), String> {
    let conf = leptos::config::get_configuration(None)
        .map_err(|e| format!("leptos configuration: {e}"))?;
    let options = conf.leptos_options;
    let addr = options.site_addr;
    tracing::info!(%addr, database = store.backend(), "serving the Tenant Admin Portal");
    for warning in settings.warnings() {
        tracing::warn!("{warning}");
    }
    let metrics_addr = settings.metrics_addr;
    let state = AppState::new(store, settings);
    omnibots::serve(state, options, addr, metrics_addr).await
}
