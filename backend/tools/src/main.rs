//! The `ocop-village` command: serve the marketplace, or run one administrative task.
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use ocop_village::app::Clock;
use ocop_village::config::{SearchSettings, Settings};
use ocop_village::domain::reference::Reference;
use ocop_village::features::registry::import::ImportError;
use ocop_village::features::registry::{ImportOptions, import_registry};
use ocop_village::startup::Application;
use ocop_village::{db, search, telemetry};
use ocop_village_tools::seed;

#[derive(Parser)]
#[command(name = "ocop-village", version, about = "OCOP Village marketplace")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the marketplace (the default).
    Serve {
        /// Load the demo catalog first (safe to repeat).
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and sync reference data, then exit.
    Migrate,
    /// Write a consistent copy of the SQLite database to FILE while the app runs
    /// (PostgreSQL: use pg_dump).
    Backup { file: PathBuf },
    /// Check that no record is half-written (every checkout has orders, every order items and
    /// history, totals add up, no negative stock); exit status 1 if one is.
    Check,
    /// OCOP registry tasks.
    Registry {
        #[command(subcommand)]
        command: RegistryCommand,
    },
    /// Search index tasks.
    Search {
        #[command(subcommand)]
        command: SearchCommand,
    },
    /// Benchmarks that print figures.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Appoint a user (who has signed up) to a role.
    Grant {
        #[command(subcommand)]
        role: GrantCommand,
    },
    /// Provincial outlets.
    Outlet {
        #[command(subcommand)]
        command: OutletCommand,
    },
    /// Load demo data.
    Seed {
        /// The sample registry and a demo catalog built from it.
        #[arg(long, required_unless_present = "national")]
        demo: bool,
        /// The demo, then a data set the size of the national programme (participants in all
        /// 34 provinces, listings with photos, outlets with stock, live shows, years of orders),
        /// and the search index rebuilt: for the page benchmark.
        #[arg(long)]
        national: bool,
        #[arg(long, default_value_t = 9_000, requires = "national")]
        participants: usize,
        #[arg(long, default_value_t = 20_000, requires = "national")]
        listings: usize,
        #[arg(long, default_value_t = 100, requires = "national")]
        outlets: usize,
        #[arg(long, default_value_t = 500, requires = "national")]
        shows: usize,
        /// Orders over the last four years.
        #[arg(long, default_value_t = 2_000_000, requires = "national")]
        orders: usize,
    },
}

#[derive(Subcommand)]
enum GrantCommand {
    /// A programme administrator (every province, every outlet).
    Admin { email: String },
    /// A provincial OCOP officer: reviews that province's seller applications and listings.
    Officer {
        email: String,
        /// Province code or name, e.g. `tuyen-quang` or "Hà Giang".
        province: String,
    },
    /// Staff of an outlet, by the outlet's slug.
    OutletStaff { email: String, outlet: String },
}

#[derive(Subcommand)]
enum OutletCommand {
    /// Create a province's outlet (then grant its staff with `grant outlet-staff`).
    Create {
        /// Its address: `/outlets/{slug}` (lower-case letters, digits, dashes).
        slug: String,
        /// Province code or name, e.g. `cao-bang` or "Cao Bằng".
        province: String,
        /// Its name, e.g. "Điểm giới thiệu và bán sản phẩm OCOP Cao Bằng".
        name: String,
    },
}

#[derive(Subcommand)]
enum SearchCommand {
    /// Rebuild the search index from the database (one rebuild at a time across instances;
    /// changes made meanwhile are caught up before the new index is swapped in).
    Reindex,
    /// Compare every indexed document with the database; exit status 1 if they differ.
    Verify,
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Index a synthetic catalog and time a fixed query mix on the configured engine kind
    /// (embedded: a temporary index; Meilisearch: `{prefix}bench_` indexes).
    Search {
        #[arg(long, default_value_t = 100_000)]
        listings: usize,
        /// Queries of each kind in the single-threaded run.
        #[arg(long, default_value_t = 250)]
        queries: usize,
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
    },
    /// Checkouts per second with concurrent buyers, on a scratch copy of the configured kind of
    /// database (a temporary SQLite file, or a new PostgreSQL database dropped afterwards).
    Checkout {
        #[arg(long, default_value_t = 2000)]
        checkouts: usize,
        #[arg(long, default_value_t = 16)]
        buyers: usize,
        /// Every seller quotes through its GHN account, answered by a local stand-in (no
        /// network delay): what a carrier quote per seller adds to a checkout.
        #[arg(long)]
        carrier_quotes: bool,
    },
    /// Time the national modern-trade indicator (and sell-through by province) over many
    /// orders, written set-based into a scratch database of the configured kind.
    Indicator {
        #[arg(long, default_value_t = 1_000_000)]
        orders: usize,
        #[arg(long, default_value_t = 15_000)]
        participants: usize,
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// Score the judged queries of `tests/relevance/judgements.txt` on the demo catalog:
    /// NDCG@10 and precision@10 on the embedded engine, and on Meilisearch when configured.
    /// Exit status 1 when an engine scores under a floor.
    Relevance {
        #[arg(long, default_value_t = 0.0)]
        min_ndcg: f64,
        #[arg(long, default_value_t = 0.0)]
        min_precision: f64,
        /// How many of each engine's weakest queries to list.
        #[arg(long, default_value_t = 10)]
        worst: usize,
    },
    /// Time suggestion lookups (every prefix of typed queries) on a synthetic catalog.
    Suggest {
        #[arg(long, default_value_t = 100_000)]
        listings: usize,
        /// Times each typed query is replayed.
        #[arg(long, default_value_t = 20)]
        rounds: usize,
    },
    /// Load every main page and API route of a running marketplace with concurrent clients,
    /// signed out and signed in as the demo seller, officer and outlet staff: req/s, p50, p99
    /// and each route's share of the static-file floor. Exit status 1 if a request failed.
    Pages {
        /// The marketplace's address, e.g. http://127.0.0.1:8080
        #[arg(long)]
        url: String,
        #[arg(long, default_value_t = 32)]
        connections: usize,
        /// Seconds of load per route.
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
    },
    /// Process a synthetic phone photo (12 MP by default) as an upload is processed.
    Photo {
        #[arg(long, default_value_t = 4000)]
        width: u32,
        #[arg(long, default_value_t = 3000)]
        height: u32,
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
}

#[derive(Subcommand)]
enum RegistryCommand {
    /// Import a registry CSV export; upserts by certificate number. A file with any bad row
    /// imports nothing.
    Import {
        file: PathBuf,
        /// Check the file and report what would change, without writing.
        #[arg(long)]
        dry_run: bool,
        /// Who is importing, for the import log.
        #[arg(long, default_value = "command line")]
        by: String,
    },
}

/// mimalloc instead of the C library's allocator: a page render allocates and frees thousands
/// of small strings and maps, and glibc's malloc spent a third of an officer page's time there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(settings.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli, settings)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn progress_bar(what: &str) -> ProgressBar {
    let bar = ProgressBar::new(0);
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({elapsed})") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_owned());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

async fn run(cli: Cli, mut settings: Settings) -> anyhow::Result<ExitCode> {
    match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Serve { demo } => {
            if demo {
                seed_demo(&settings).await?;
            }
            settings.demo = demo;
            let app = Application::build(&settings, Clock::System).await?;
            tracing::info!(
                "OCOP Village is serving at http://{}:{}/",
                settings.bind.ip(),
                app.port()
            );
            app.run_until_stopped().await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let (conn, _) = connect(&settings).await?;
            drop(conn);
            println!("migrations applied, reference data synced");
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { file } => {
            let (conn, _) = connect(&settings).await?;
            ocop_village::ops::backup(&conn, &file).await?;
            println!("backup written to {}", file.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Check => {
            let (conn, _) = connect(&settings).await?;
            let broken = ocop_village::ops::check(&conn).await?;
            if broken.is_empty() {
                println!("integrity check passed: no half-written records");
                Ok(ExitCode::SUCCESS)
            } else {
                for (what, n) in &broken {
                    println!("BROKEN: {n} × {what}");
                }
                Ok(ExitCode::from(1))
            }
        }
        Command::Search {
            command: SearchCommand::Reindex,
        } => {
            let (conn, reference) = connect(&settings).await?;
            rebuild_index(&settings, &conn, &reference).await
        }
        Command::Search {
            command: SearchCommand::Verify,
        } => {
            let (conn, reference) = connect(&settings).await?;
            let engine = search::build_engine(&settings.search, &reference).await?;
            let report = ocop_village::features::catalog::indexing::verify(
                &conn,
                engine.as_ref(),
                &reference,
                Clock::System.today(),
            )
            .await?;
            println!(
                "{} listings visible, {} documents indexed ({}): {} missing, {} that should not be there, {} stale",
                report.expected,
                report.indexed,
                engine.kind(),
                report.missing.len(),
                report.extra.len(),
                report.stale.len()
            );
            for id in report.missing.iter().take(20) {
                println!("  missing: {id}");
            }
            for id in report.extra.iter().take(20) {
                println!("  should not be indexed: {id}");
            }
            for (id, field) in report.stale.iter().take(20) {
                println!("  stale {field}: {id}");
            }
            Ok(if report.is_clean() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Bench {
            command:
                BenchCommand::Search {
                    listings,
                    queries,
                    concurrency,
                },
        } => {
            let reference = Reference::load(&settings.region_overrides)?;
            let scratch = tempfile::tempdir()?;
            let options = ocop_village_tools::bench::search::BenchOptions {
                listings,
                queries,
                concurrency,
            };
            // The embedded engine always; Meilisearch too, in the same run, when configured.
            let embedded: std::sync::Arc<dyn search::SearchEngine> = std::sync::Arc::new(
                search::embedded::EmbeddedEngine::open(scratch.path(), &reference)?,
            );
            let mut reports = vec![
                ocop_village_tools::bench::search::run(
                    embedded,
                    &reference,
                    &options,
                    progress_bar("embedded"),
                )
                .await?,
            ];
            let mut raw = None;
            if let SearchSettings::Meilisearch { url, keys, prefix } = &settings.search {
                let meili = std::sync::Arc::new(
                    search::meili::MeiliEngine::connect(url, keys, &format!("{prefix}bench_"))
                        .await?,
                );
                reports.push(
                    ocop_village_tools::bench::search::run(
                        meili.clone(),
                        &reference,
                        &options,
                        progress_bar("meilisearch"),
                    )
                    .await?,
                );
                raw = Some(
                    ocop_village_tools::bench::search::raw_latency(
                        &meili,
                        &reference,
                        &options,
                        progress_bar("raw"),
                    )
                    .await?,
                );
                meili.drop_indexes().await?;
            }
            println!(
                "{}",
                ocop_village_tools::bench::search::side_by_side(&reports, raw.as_deref())
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            command:
                BenchCommand::Relevance {
                    min_ndcg,
                    min_precision,
                    worst,
                },
        } => {
            let reference = Reference::load(&settings.region_overrides)?;
            let meili = match &settings.search {
                SearchSettings::Meilisearch { url, keys, prefix } => Some(std::sync::Arc::new(
                    search::meili::MeiliEngine::connect(url, keys, &format!("{prefix}relevance_"))
                        .await?,
                )),
                _ => None,
            };
            let reports =
                ocop_village_tools::bench::relevance::run(&reference, meili, progress_bar).await?;
            println!(
                "{}",
                ocop_village_tools::bench::relevance::summary(&reports, worst)
            );
            let mut ok = true;
            for r in &reports {
                if r.ndcg < min_ndcg || r.precision < min_precision {
                    eprintln!(
                        "{}: NDCG@10 {:.3} (floor {min_ndcg}), precision@10 {:.3} (floor {min_precision})",
                        r.engine, r.ndcg, r.precision
                    );
                    ok = false;
                }
            }
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Bench {
            command: BenchCommand::Suggest { listings, rounds },
        } => {
            let reference = Reference::load(&settings.region_overrides)?;
            let spinner = progress_bar("building and timing the suggestions");
            let report = ocop_village_tools::bench::suggest::run(&reference, listings, rounds);
            spinner.finish_and_clear();
            println!("{report}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            command:
                BenchCommand::Checkout {
                    checkouts,
                    buyers,
                    carrier_quotes,
                },
        } => {
            let reference = Reference::load(&settings.region_overrides)?;
            let options = ocop_village_tools::bench::checkout::BenchOptions {
                checkouts,
                buyers,
                carrier_quotes,
            };
            let report = ocop_village_tools::bench::checkout::run(
                &settings.database_url,
                &reference,
                &options,
                progress_bar("checkout"),
            )
            .await?;
            println!("{report}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            command:
                BenchCommand::Indicator {
                    orders,
                    participants,
                    runs,
                },
        } => {
            let reference = Reference::load(&settings.region_overrides)?;
            let options = ocop_village_tools::bench::indicator::BenchOptions {
                orders,
                participants,
                runs,
            };
            let report = ocop_village_tools::bench::indicator::run(
                &settings.database_url,
                &reference,
                &options,
                progress_bar("rows"),
            )
            .await?;
            println!("{report}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            command:
                BenchCommand::Pages {
                    url,
                    connections,
                    seconds,
                },
        } => {
            use ocop_village_tools::bench::pages;
            let options = pages::PagesOptions {
                url,
                connections,
                seconds,
            };
            let figures = pages::run(&options, progress_bar("routes")).await?;
            println!("{}", pages::table(&figures, &options));
            Ok(if pages::all_answered(&figures) {
                ExitCode::SUCCESS
            } else {
                eprintln!("some requests did not answer 200");
                ExitCode::from(1)
            })
        }
        Command::Bench {
            command:
                BenchCommand::Photo {
                    width,
                    height,
                    runs,
                },
        } => {
            let report = tokio::task::spawn_blocking(move || {
                ocop_village_tools::bench::photo::run(width, height, runs, progress_bar("photo"))
            })
            .await??;
            println!("{report}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Grant { role } => {
            use ocop_village::features::accounts::auth::{Appointment, appoint};
            let (email, appointment) = match role {
                GrantCommand::Admin { email } => (email, Appointment::Admin),
                GrantCommand::Officer { email, province } => {
                    (email, Appointment::Officer { province })
                }
                GrantCommand::OutletStaff { email, outlet } => (
                    email,
                    Appointment::OutletStaff {
                        outlet_slug: outlet,
                    },
                ),
            };
            let (conn, reference) = connect(&settings).await?;
            match appoint(&conn, &reference, &email, &appointment, chrono::Utc::now()).await {
                Ok(true) => println!("{email}: granted"),
                Ok(false) => println!("{email}: already had this role"),
                Err(e) => {
                    eprintln!("{e}");
                    return Ok(ExitCode::from(2));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Outlet {
            command:
                OutletCommand::Create {
                    slug,
                    province,
                    name,
                },
        } => {
            let (conn, reference) = connect(&settings).await?;
            match ocop_village::features::outlets::create(
                &conn,
                None,
                &reference,
                &slug,
                &province,
                &name,
                chrono::Utc::now(),
            )
            .await
            {
                Ok(created) => {
                    println!(
                        "outlet {} created in {}: /outlets/{}",
                        created.name, created.province_code, created.slug
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("{e}");
                    Ok(ExitCode::from(2))
                }
            }
        }
        Command::Seed {
            demo: _,
            national,
            participants,
            listings,
            outlets,
            shows,
            orders,
        } => {
            seed_demo(&settings).await?;
            if national {
                let options = ocop_village_tools::national::NationalOptions {
                    participants,
                    listings,
                    outlets,
                    shows,
                    orders,
                    ..Default::default()
                };
                seed_national(&settings, &options).await?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Registry {
            command: RegistryCommand::Import { file, dry_run, by },
        } => {
            let (conn, reference) = connect(&settings).await?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let name = file.display().to_string();
            let result = import_registry(
                &conn,
                &reference,
                &bytes,
                ImportOptions {
                    dry_run,
                    file_name: &name,
                    imported_by: &by,
                    now: chrono::Utc::now(),
                    progress: progress_bar("importing"),
                },
            )
            .await;
            match result {
                Ok(report) => {
                    let verb = if dry_run {
                        "would import (dry run)"
                    } else {
                        "imported"
                    };
                    println!(
                        "{verb} {name}: {} rows; certificates {} new, {} updated, {} unchanged; participants {} new, {} updated, {} unchanged; {} listings delisted",
                        report.rows,
                        report.certificates_inserted,
                        report.certificates_updated,
                        report.certificates_unchanged,
                        report.participants_inserted,
                        report.participants_updated,
                        report.participants_unchanged,
                        report.listings_delisted
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(ImportError::Invalid(problems)) => {
                    eprintln!(
                        "{name}: {} problem(s); nothing was imported",
                        problems.len()
                    );
                    for problem in &problems {
                        eprintln!("  {name}:{problem}");
                    }
                    Ok(ExitCode::from(1))
                }
                Err(ImportError::Unexpected(e)) => Err(e),
            }
        }
    }
}

async fn connect(settings: &Settings) -> anyhow::Result<(sea_orm::DatabaseConnection, Reference)> {
    if settings.is_sqlite() {
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("creating {}", settings.data_dir.display()))?;
    }
    let reference = Reference::load(&settings.region_overrides)?;
    let conn = db::connect(&settings.database_url).await?;
    db::migrate(&conn, &reference).await?;
    Ok((conn, reference))
}

async fn seed_demo(settings: &Settings) -> anyhow::Result<()> {
    let (conn, reference) = connect(settings).await?;
    let media = ocop_village::media::store::build(&settings.media)?;
    let report = seed::seed_demo(
        &conn,
        &reference,
        &media,
        chrono::Utc::now(),
        progress_bar("seeding"),
    )
    .await?;
    println!(
        "demo data: registry {} certificates ({} new), {} participants; {} sellers and {} listings created ({} of them delisted because the certificate has expired since the registry snapshot)",
        report.registry.rows,
        report.registry.certificates_inserted,
        report.registry.participants_inserted
            + report.registry.participants_updated
            + report.registry.participants_unchanged,
        report.sellers_created,
        report.listings_created,
        report.listings_created_delisted
    );
    println!("demo accounts (sign in at /account/login):");
    for (role, email, password) in seed::DEMO_ACCOUNTS {
        println!("  {role:<10} {email:<24} password: {password}");
    }
    let roles = &report.roles;
    println!(
        "  the seller sells for {}; the officer reviews {} (see /officer); the outlet account staffs the outlet {}",
        roles.seller, roles.province_code, roles.outlet_slug
    );
    if report.orders_created > 0 {
        println!(
            "  {} demo orders of {}, bought by the shopper, one in every state (placed, confirmed, shipped, delivered, cancelled, refunded, returned, paid and unpaid VietQR transfers), each with its delivery fee: /seller/orders as the seller, /account/orders as the shopper",
            report.orders_created, roles.seller
        );
        println!(
            "  every seller has a pick-up address and shipping rates on the 2025 map: /seller/shipping as the seller"
        );
    }
    if report.card_orders > 0 {
        println!(
            "  {} card payments the platform collected for {}: last month settled and paid out (/admin/settlements, /admin/withholding as the administrator), this month open (/seller/statement as the seller)",
            report.card_orders, roles.seller
        );
    }
    if report.outlet_products > 0 {
        println!(
            "  the outlet {} carries {} products of its province (one running low) and has one counter sale: /outlets/{} is its storefront, /outlet its counter for the outlet account",
            roles.outlet_slug, report.outlet_products, roles.outlet_slug
        );
    }
    if report.history_orders > 0 {
        println!(
            "  sales history: {} delivered orders of {} sellers over the past months: /indicators/modern-trade (public), /officer/indicators as the officer, /seller/sales as the seller",
            report.history_orders, report.history_participants
        );
    }
    if let Some(show) = report.live_show_id {
        println!(
            "  the seller's live show is on air at /live/{show}: pin another product at /seller/live as the seller and watch the page change"
        );
    }
    if !report.vouchers.is_empty() {
        println!(
            "  voucher codes to try in the cart: {} (GIAM10: the seller's products; LIVE30K: only after opening the live show's page; DIEMBAN15: collected at the outlet; TET2027: the programme's campaign); /seller/vouchers, /outlet/vouchers and /admin/vouchers manage them",
            report.vouchers.join(", ")
        );
    }
    if let Some(slug) = &report.pack_sizes {
        println!(
            "  a honey in three pack sizes (200 g, 500 g, a gift box), each with its price and stock: /products/{slug}"
        );
    }
    if let Some(slug) = &report.gift_combo {
        println!(
            "  the outlet's gift combo of three producers' products: /combos/{slug} (all combos: /combos; the outlet makes them at /outlet/combos, sellers at /seller/combos)"
        );
    }
    let c = &report.channels;
    if c.verified + c.pending > 0 {
        println!(
            "  other modern-trade channels: {} verified in {} provinces, {} waiting for the officer at /officer/channels, {} rejected, {} expired; the seller declares them at /seller/channels and /indicators/modern-trade counts them",
            c.verified, c.provinces, c.pending, c.rejected, c.expired
        );
    }
    if !roles.onboarding_registration_no.is_empty() {
        println!(
            "  try onboarding: sign in as the shopper, apply at /seller/apply with registration no {}; the code mail is written to {}",
            roles.onboarding_registration_no,
            settings.data_dir.join("mail").display()
        );
    }
    Ok(())
}

/// Rebuilds the search index from the database (the embedded one only when no server holds
/// it: otherwise the running server is asked to).
async fn rebuild_index(
    settings: &Settings,
    conn: &sea_orm::DatabaseConnection,
    reference: &Reference,
) -> anyhow::Result<ExitCode> {
    let today = Clock::System.today();
    match search::build_engine(&settings.search, reference).await {
        Ok(engine) => {
            let bar = progress_bar("rebuilding the search index");
            let result = ocop_village::features::catalog::indexing::reindex(
                conn,
                engine.as_ref(),
                reference,
                today,
                &ocop_village::app::instance_name(),
            )
            .await;
            bar.finish_and_clear();
            match result {
                Ok(n) => println!("search index rebuilt ({}): {n} listings", engine.kind()),
                Err(ocop_village::features::catalog::indexing::SyncError::Busy(why)) => {
                    eprintln!("{why}: try again when it has finished");
                    return Ok(ExitCode::from(1));
                }
                Err(e) => return Err(e.into()),
            }
        }
        // The embedded index is held by a running server: let it rebuild.
        Err(search::SearchError::Unavailable(why)) => {
            ocop_village::features::catalog::indexing::request_rebuild(conn).await?;
            println!("{why}; a rebuild was queued for the running server");
        }
        Err(e) => return Err(e.into()),
    }
    Ok(ExitCode::SUCCESS)
}

async fn seed_national(
    settings: &Settings,
    options: &ocop_village_tools::national::NationalOptions,
) -> anyhow::Result<()> {
    let (conn, reference) = connect(settings).await?;
    let media = ocop_village::media::store::build(&settings.media)?;
    let bar = progress_bar("national data set");
    let report = ocop_village_tools::national::seed_national(
        &conn,
        &reference,
        &media,
        options,
        chrono::Utc::now(),
        &bar,
    )
    .await?;
    bar.finish_and_clear();
    println!(
        "national data set written in {:.0} s: {} participants in {} provinces, each a seller; {} listings ({} photos); {} outlets carrying {} products; {} live shows; {} orders over the last four years",
        report.seconds,
        report.participants,
        reference.provinces.len(),
        report.listings,
        report.photos,
        report.outlets,
        report.outlet_products,
        report.shows,
        report.orders
    );
    let started = std::time::Instant::now();
    rebuild_index(settings, &conn, &reference).await?;
    println!("  (indexed in {:.0} s)", started.elapsed().as_secs_f64());
    Ok(())
}
