//! `jianguan user ...`: create accounts and set passwords from scripts.

use anyhow::Context as _;
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use jianguan_rules::Role;
use std::io::Read as _;
use std::process::ExitCode;

use crate::audit::Actor;
use crate::org::model::NewUser;
use crate::org::store;
use crate::platform::clock::Clock;
use crate::platform::config::{Config, DbArgs};
use crate::server;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account; the password is read from standard input.
    Add(AddArgs),
    /// Set an account's password (read from standard input) and unlock it.
    Passwd(PasswdArgs),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    #[arg(long)]
    pub username: String,
    /// sys_admin, dept_admin, inspector, legal_reviewer, leader or enterprise.
    #[arg(long)]
    pub role: Role,
    /// Department code (required for regulators).
    #[arg(long)]
    pub department: Option<String>,
    /// Unified social credit code (required for enterprise users).
    #[arg(long)]
    pub uscc: Option<String>,
    #[arg(long)]
    pub display_name: Option<String>,
    /// Enforcement certificate number (inspectors).
    #[arg(long)]
    pub cert_no: Option<String>,
    /// Certificate valid until, YYYY-MM-DD (inspectors).
    #[arg(long)]
    pub cert_valid_until: Option<NaiveDate>,
    /// Read the password from standard input (the only way to pass it).
    #[arg(long, required = true)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Args)]
pub struct PasswdArgs {
    #[arg(long)]
    pub username: String,
    #[arg(long, required = true)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

fn read_password() -> anyhow::Result<String> {
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .context("cannot read the password from standard input")?;
    let pw = s.lines().next().unwrap_or("").to_string();
    anyhow::ensure!(!pw.is_empty(), "no password on standard input");
    Ok(pw)
}

pub async fn run(cmd: UserCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        UserCommand::Add(a) => add(a).await,
        UserCommand::Passwd(a) => passwd(a).await,
    }
}

async fn add(a: AddArgs) -> anyhow::Result<ExitCode> {
    let password = read_password()?;
    let config = Config::for_db(&a.db)?;
    let db = server::open_db(&config).await?;
    let new = NewUser {
        username: a.username,
        display_name: a.display_name,
        role: a.role,
        department_code: a.department,
        uscc: a.uscc,
        cert_no: a.cert_no,
        cert_valid_until: a.cert_valid_until,
        password,
    };
    let result = store::create_user(&db, &Actor::Cli, store::Manager::System, Clock::System.now(), &new).await;
    db.close().await;
    match result {
        Ok(u) => {
            println!("created user {} (id {}, role {})", u.username, u.id, u.role);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            let fields: Vec<String> = e.errors.iter().map(|f| format!("{}: {}", f.field, f.message)).collect();
            eprintln!(
                "error: {} ({}){}",
                e.code.title(),
                e.code.as_str(),
                if fields.is_empty() {
                    format!(": {}", e.detail)
                } else {
                    format!(": {}", fields.join("; "))
                }
            );
            Ok(ExitCode::from(2))
        }
    }
}

async fn passwd(a: PasswdArgs) -> anyhow::Result<ExitCode> {
    let password = read_password()?;
    let config = Config::for_db(&a.db)?;
    let db = server::open_db(&config).await?;
    let Some(user) = store::user_by_username(&db, &a.username).await? else {
        eprintln!("error: no user {:?}", a.username);
        return Ok(ExitCode::from(2));
    };
    let res = store::set_password(&db, &Actor::Cli, Clock::System.now(), user.id, &password).await;
    db.close().await;
    match res {
        Ok(()) => {
            println!("password set for {}", user.username);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {}: {}", e.code.as_str(), e.detail);
            Ok(ExitCode::from(2))
        }
    }
}
