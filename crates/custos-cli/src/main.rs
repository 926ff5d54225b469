//! The `custos` binary: parses the command line and hands each command to its module.
//! Operators' scripts rely on these command forms; keep them stable.

mod admin;
mod audit;
mod config;
mod demo;
mod demo_sales;
mod error;
mod hsm;
mod keys;
mod serve;
mod setup;
mod siem;
mod tls;

use clap::{Args, Parser, Subcommand};
use error::CliError;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "custos", version, about = "Custos: a CRM that protects customer information")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the data lives: a data directory (SQLite) or a PostgreSQL URL.
#[derive(Args, Clone)]
struct Target {
    /// Data directory (SQLite database, key file, custos.toml).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// PostgreSQL URL instead of the embedded SQLite database.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web interface and API.
    Serve {
        #[command(flatten)]
        target: Target,
        /// Address to listen on, e.g. 127.0.0.1:8080.
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// Serve HTTPS with this PEM certificate chain (needs --tls-key).
        #[arg(long, value_name = "FILE", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The PEM private key of --tls-cert.
        #[arg(long, value_name = "FILE", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
    },
    /// Create (or reuse) a demo company and serve it.
    Demo {
        #[arg(long, value_name = "DIR", default_value = "./custos-data")]
        data_dir: PathBuf,
        #[arg(long, value_name = "ADDR", default_value = config::DEFAULT_LISTEN)]
        listen: String,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        #[command(flatten)]
        target: Target,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Periodic access reviews.
    AccessReview {
        #[command(subcommand)]
        command: ReviewCommand,
    },
    /// Manage master keys: rotate, status, retire.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// The tamper-evident audit log: verify, public key, remote check, impact queries.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute every leaf and the tree, check every signed checkpoint; exits non-zero
    /// naming the first bad entry.
    Verify {
        #[command(flatten)]
        target: Target,
        /// Checkpoint verifier key (as printed by `custos audit pubkey`); without it the
        /// key is derived from the key material.
        #[arg(long, value_name = "FILE")]
        pubkey: Option<PathBuf>,
    },
    /// Print the checkpoint verifier key (C2SP note verifier key).
    Pubkey {
        #[command(flatten)]
        target: Target,
    },
    /// Check a server with only its public key: the checkpoint's signature, that the log
    /// only grew since the checkpoint saved in --state, and that event --seq is in it.
    /// The bearer token (permission audit.read) comes from CUSTOS_TOKEN.
    CheckRemote {
        #[arg(long)]
        url: String,
        #[arg(long, value_name = "FILE")]
        pubkey: PathBuf,
        /// Where the last checkpoint seen is kept between runs.
        #[arg(long, value_name = "FILE")]
        state: Option<PathBuf>,
        /// Prove that this event is in the log.
        #[arg(long)]
        seq: Option<u64>,
        #[arg(long, env = "CUSTOS_TOKEN", hide_env_values = true)]
        token: String,
    },
    /// Which customers an actor read, revealed, changed or exported; or who accessed a customer.
    Impact {
        #[command(flatten)]
        target: Target,
        /// The acting user's e-mail.
        #[arg(long, conflicts_with = "customer")]
        actor: Option<String>,
        /// A customer id.
        #[arg(long)]
        customer: Option<String>,
        /// RFC 3339 start (inclusive).
        #[arg(long)]
        from: Option<String>,
        /// RFC 3339 end (exclusive).
        #[arg(long)]
        to: Option<String>,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Add a master key version and rewrap every customer data key with it, in batches,
    /// while servers keep serving. Safe to run again after an interruption.
    Rotate {
        #[command(flatten)]
        target: Target,
        /// Data keys rewrapped per transaction.
        #[arg(long, default_value_t = 500)]
        batch: usize,
    },
    /// Show master key versions, data keys per version and rotation progress.
    Status {
        #[command(flatten)]
        target: Target,
    },
    /// Remove master key versions that no data key uses any more.
    Retire {
        #[command(flatten)]
        target: Target,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from the first line of standard input.
    Add {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        email: String,
        /// admin, sales_manager, sales_rep, support, marketing, auditor, security_officer or dpo.
        #[arg(long)]
        role: String,
        /// Display name (defaults to the part of the e-mail before @).
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum ReviewCommand {
    /// Print every user's access: role, scope, last sign-in, permissions unused for 90 days,
    /// tokens; and the open reviews, overdue ones marked.
    Report {
        #[command(flatten)]
        target: Target,
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Issue an API token for a user; prints only the token on standard output.
    Issue {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        email: String,
        /// A name to recognise the token by.
        #[arg(long, default_value = "cli")]
        name: String,
        /// Comma-separated permissions the token is limited to (e.g. customer.read,customer.update);
        /// without it the token has all of the owner's permissions.
        #[arg(long, value_name = "PERMISSIONS")]
        scope: Option<String>,
        /// Lifetime such as 90d, 12h or 30m; without it the token does not expire.
        #[arg(long, value_name = "DURATION")]
        expires_in: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("custos: error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("custos: error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let env = |k: &str| std::env::var(k).ok();
    match cli.command {
        Command::Serve { target, listen, tls_cert, tls_key } => {
            let cfg = config::Config::load(
                target.data_dir.as_deref(),
                target.database_url.as_deref(),
                listen.as_deref(),
                &env,
            )?;
            serve::init_logging(&cfg);
            serve::run(cfg, serve::TlsFiles { cert: tls_cert, key: tls_key }).await
        }
        Command::Demo { data_dir, listen } => {
            let cfg = config::Config::load(Some(&data_dir), None, Some(&listen), &env)?;
            serve::init_logging(&cfg);
            demo::run(cfg).await
        }
        Command::Migrate { target } => {
            let cfg = config::Config::load(target.data_dir.as_deref(), target.database_url.as_deref(), None, &env)?;
            admin::migrate(&cfg).await
        }
        Command::User { command: UserCommand::Add { target, email, role, name, password_stdin: _ } } => {
            let cfg = config::Config::load(target.data_dir.as_deref(), target.database_url.as_deref(), None, &env)?;
            let password = admin::read_password_stdin()?;
            admin::user_add(&cfg, &email, &role, name, password).await
        }
        Command::AccessReview { command: ReviewCommand::Report { target, json } } => {
            let cfg = config::Config::load(target.data_dir.as_deref(), target.database_url.as_deref(), None, &env)?;
            admin::access_report(&cfg, json).await
        }
        Command::Token { command: TokenCommand::Issue { target, email, name, scope, expires_in } } => {
            let cfg = config::Config::load(target.data_dir.as_deref(), target.database_url.as_deref(), None, &env)?;
            admin::token_issue(&cfg, &email, &name, scope.as_deref(), expires_in.as_deref()).await
        }
        Command::Keys { command } => {
            let load = |t: &Target| config::Config::load(t.data_dir.as_deref(), t.database_url.as_deref(), None, &env);
            match command {
                KeysCommand::Rotate { target, batch } => keys::rotate(&load(&target)?, batch).await,
                KeysCommand::Status { target } => keys::status(&load(&target)?).await,
                KeysCommand::Retire { target } => keys::retire(&load(&target)?).await,
            }
        }
        Command::Audit { command } => {
            let load = |t: &Target| config::Config::load(t.data_dir.as_deref(), t.database_url.as_deref(), None, &env);
            match command {
                AuditCommand::Verify { target, pubkey } => audit::verify(&load(&target)?, pubkey.as_deref()).await,
                AuditCommand::Pubkey { target } => audit::pubkey(&load(&target)?).await,
                AuditCommand::CheckRemote { url, pubkey, state, seq, token } => {
                    audit::check_remote(&url, &pubkey, state.as_deref(), seq, &token).await
                }
                AuditCommand::Impact { target, actor, customer, from, to } => {
                    let cfg = load(&target)?;
                    audit::impact(&cfg, actor.as_deref(), customer.as_deref(), from.as_deref(), to.as_deref()).await
                }
            }
        }
    }
}
