//! `jianguan demo`: create (or reuse) a data folder with the demo province,
//! print the address and accounts, and serve.

use clap::Args;
use std::process::ExitCode;

use crate::demo;
use crate::platform::clock::Clock;
use crate::platform::config::{Config, ServeArgs};
use crate::server;

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub serve: ServeArgs,
    /// Password for every demo account (default: random ones, printed).
    #[arg(long, env = "JIANGUAN_DEMO_PASSWORD")]
    pub demo_password: Option<String>,
    /// How many market entities to generate (Hubei's real scale is 7,000,000).
    #[arg(long, default_value_t = 20_000)]
    pub entities: u64,
    /// Seed of the generator: the same seed gives the same province.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Only load the data, do not start the server.
    #[arg(long)]
    pub load_only: bool,
}

pub async fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let config = Config::resolve(&args.serve)?;
    if let Some(p) = &args.demo_password {
        jianguan_rules::login::check_password(p).map_err(|e| anyhow::anyhow!("--demo-password is too weak: {e}"))?;
    }
    let db = server::open_db(&config).await?;
    let mut failure = None;
    let accounts = demo::load_org(&db, &Clock::System, |_| match &args.demo_password {
        Some(p) => p.clone(),
        None => demo::random_password().unwrap_or_else(|e| {
            failure = Some(e);
            String::new()
        }),
    })
    .await
    .map_err(|e| anyhow::anyhow!("loading the demo failed: {} ({})", e.detail, e.code.as_str()))?;
    if let Some(e) = failure {
        return Err(e);
    }
    let started = std::time::Instant::now();
    let bar = indicatif::ProgressBar::new(args.entities);
    bar.set_style(
        indicatif::ProgressStyle::with_template("generating entities {bar:40} {pos}/{len} ({per_sec}, {eta} left)")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let outcome = demo::load_entities(&db, &Clock::System, args.entities, args.seed, |done| {
        bar.set_position(done)
    })
    .await?;
    bar.finish_and_clear();
    println!(
        "demo province: {} entities (seed {}): {} inserted, {} updated, {} unchanged in {:.1}s",
        args.entities,
        args.seed,
        outcome.inserted,
        outcome.updated,
        outcome.unchanged,
        started.elapsed().as_secs_f64()
    );
    let started = std::time::Instant::now();
    let items = demo::supervision::load(&db, &Clock::System).await?;
    println!(
        "supervision: {items} catalog items, key list, tolerance lists, inspections and annual plans in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    if args.load_only {
        db.close().await;
        return Ok(ExitCode::SUCCESS);
    }
    let state = server::state(&config, db).await?;
    let data_dir = config.data_dir.display().to_string();
    server::run(&config, state, move |addr| {
        println!();
        println!("jianguan demo is running: http://{addr}/");
        println!("data folder: {data_dir}");
        println!();
        println!(
            "  {:<12} {:<16} {:<22} password",
            "username", "role", "department / entity"
        );
        for (a, pw) in &accounts {
            let place = a.department.or(a.uscc).unwrap_or("-");
            println!("  {:<12} {:<16} {:<22} {}", a.username, a.role.as_str(), place, pw);
        }
        println!();
        println!("Press Ctrl-C to stop.");
    })
    .await?;
    Ok(ExitCode::SUCCESS)
}
