//! `spawn_app()` and friends.
use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use std::sync::Arc;
use std::time::Duration;

use ocop_village::app::Clock;
use ocop_village::config::{LogFormat, MediaSettings, PaymentSettings, SearchSettings, Settings};
use ocop_village::db;
use ocop_village::db::entities::{registry_participant, seller, user};
use ocop_village::domain::reference::Reference;
use ocop_village::features::registry::import::{ImportError, ImportOptions, ImportReport};
use ocop_village::mail::MemoryMailer;
use ocop_village::search::SearchEngine;
use ocop_village::search::embedded::EmbeddedEngine;
use ocop_village::startup::{Application, Overrides};
use ocop_village::worker::WorkerConfig;
use ocop_village_tools::faults::FaultySearch;
use ocop_village_tools::seed::{SeedReport, seed_demo};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};

/// The day after the sample registry's snapshot (2025-10-31): every certificate marked active
/// in it is still within its validity then.
pub fn snapshot_day() -> DateTime<Utc> {
    at(2025, 11, 1)
}

pub fn at(year: i32, month: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, day, 3, 0, 0)
        .single()
        .expect("a valid date")
}

pub struct TestApp {
    pub address: String,
    pub db: DatabaseConnection,
    pub reference: Reference,
    pub client: reqwest::Client,
    pub now: DateTime<Utc>,
    /// The app's search engine (embedded), which tests can switch off.
    pub search: Arc<FaultySearch>,
    /// Every message the app sent; can be switched off like an SMTP outage.
    pub mailer: Arc<MemoryMailer>,
    /// The app's database URL (tests that cut its connections open their own).
    pub database_url: String,
    /// The settings the app was started with.
    pub settings: Settings,
    // Dropped in this order: the indexes, then the database.
    _index: Option<TestIndexes>,
    _database: TestDatabase,
}

/// Starts the app with the clock fixed at [`snapshot_day`].
pub async fn spawn_app() -> TestApp {
    spawn_app_at(snapshot_day()).await
}

/// Starts the app with the clock fixed at `now`.
pub async fn spawn_app_at(now: DateTime<Utc>) -> TestApp {
    spawn_app_with(now, PaymentSettings::default()).await
}

/// Starts the app with the clock fixed at `now` and these payment settings (Stripe pointed at
/// a stand-in, a bank webhook secret).
pub async fn spawn_app_with(now: DateTime<Utc>, payments: PaymentSettings) -> TestApp {
    spawn_app_configured(now, payments, None).await
}

/// Starts the app sending mail to a real SMTP server at `smtp_url` (its `mailer` stays empty).
pub async fn spawn_app_with_smtp(smtp_url: &str) -> TestApp {
    spawn_app_configured(
        snapshot_day(),
        PaymentSettings::default(),
        Some(smtp_url.to_owned()),
    )
    .await
}

/// Starts the app with settings changed by `tweak` (a rate limit, a metrics token, a public
/// URL).
pub async fn spawn_app_tuned(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_full(snapshot_day(), PaymentSettings::default(), None, tweak).await
}

/// Starts the app on Meilisearch (indexes of its own), whatever `TEST_SEARCH_ENGINE` says;
/// `None` (skipped) without `MEILI_URL`, a failure under `REQUIRE_MEILI`.
pub async fn spawn_app_on_meilisearch(what: &str) -> Option<TestApp> {
    meili_url(what)?;
    Some(
        spawn_app_engine(
            snapshot_day(),
            PaymentSettings::default(),
            None,
            |_| {},
            true,
        )
        .await,
    )
}

async fn spawn_app_configured(
    now: DateTime<Utc>,
    payments: PaymentSettings,
    smtp_url: Option<String>,
) -> TestApp {
    spawn_app_full(now, payments, smtp_url, |_| {}).await
}

pub async fn spawn_app_full(
    now: DateTime<Utc>,
    payments: PaymentSettings,
    smtp_url: Option<String>,
    tweak: impl FnOnce(&mut Settings),
) -> TestApp {
    let meilisearch = std::env::var("TEST_SEARCH_ENGINE").as_deref() == Ok("meilisearch");
    spawn_app_engine(now, payments, smtp_url, tweak, meilisearch).await
}

async fn spawn_app_engine(
    now: DateTime<Utc>,
    payments: PaymentSettings,
    smtp_url: Option<String>,
    tweak: impl FnOnce(&mut Settings),
    meilisearch: bool,
) -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        ocop_village::telemetry::init(LogFormat::Pretty);
    }
    let database = TestDatabase::create().await;
    let search_dir = database.dir.path().join("search");
    let mut settings = Settings {
        database_url: database.url.clone(),
        bind: "127.0.0.1:0".parse().expect("address"),
        data_dir: database.dir.path().to_path_buf(),
        log_format: LogFormat::Pretty,
        public_url: None,
        trusted_proxies: Vec::new(),
        session_key: None,
        smtp_url: smtp_url.clone().map(ocop_village::config::Secret::new),
        mail_from: "OCOP Village <no-reply@ocop.test>".into(),
        region_overrides: Default::default(),
        search: SearchSettings::Embedded {
            dir: search_dir.clone(),
        },
        media: test_media(&database),
        payments,
        shipping: Default::default(),
        // Tests make many API calls from one address; the limit has its own test.
        api_rate_per_minute: 0,
        metrics_token: None,
        outbox_lease: Duration::from_secs(2),
        page_cache: Duration::from_secs(10),
        demo: false,
    };
    tweak(&mut settings);
    let reference = Reference::load(&Default::default()).expect("reference data");
    let (engine, index) = test_engine(&search_dir, &reference, meilisearch).await;
    let search = Arc::new(FaultySearch::new(engine));
    let mailer = Arc::new(MemoryMailer::default());
    let overrides = Overrides {
        search: Some(search.clone()),
        mailer: match smtp_url {
            Some(_) => None,
            None => Some(mailer.clone()),
        },
        media: None,
        worker: Some(WorkerConfig {
            poll: Duration::from_millis(20),
            backoff_base: Duration::from_millis(20),
            backoff_max: Duration::from_millis(200),
            sweep_every: Duration::from_secs(3600),
            batch: 500,
            lease: Duration::from_secs(2),
        }),
    };
    let app = Application::build_with(&settings, Clock::Fixed(now), overrides)
        .await
        .expect("the application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let db = db::connect(&database.url).await.expect("test connection");
    TestApp {
        address,
        db,
        reference,
        client: browser(),
        now,
        search,
        mailer,
        database_url: database.url.clone(),
        settings,
        _index: index,
        _database: database,
    }
}

/// The engine the app under test searches with: the embedded one, or Meilisearch at
/// `MEILI_URL` on indexes of the test's own (`TEST_SEARCH_ENGINE=meilisearch`, CI's
/// PostgreSQL run, or a test that needs it).
async fn test_engine(
    dir: &std::path::Path,
    reference: &Reference,
    meilisearch: bool,
) -> (Arc<dyn SearchEngine>, Option<TestIndexes>) {
    if meilisearch {
        let indexes = TestIndexes::new();
        let engine = indexes.connect().await;
        return (engine, Some(indexes));
    }
    let engine = EmbeddedEngine::open(dir, reference).expect("search index");
    (Arc::new(engine), None)
}

/// The Meilisearch server for tests: `MEILI_URL` (and `MEILI_MASTER_KEY`). `None` when it is
/// not set; under `REQUIRE_MEILI` (CI) a missing server fails the test instead of skipping.
pub fn meili_url(what: &str) -> Option<String> {
    match std::env::var("MEILI_URL") {
        Ok(url) => Some(url),
        Err(_) => {
            assert!(
                std::env::var_os("REQUIRE_MEILI").is_none(),
                "{what} needs Meilisearch, and REQUIRE_MEILI is set: set MEILI_URL"
            );
            eprintln!("SKIPPED: {what} (MEILI_URL is not set)");
            None
        }
    }
}

/// A test's own Meilisearch indexes (a unique prefix), deleted when dropped.
pub struct TestIndexes {
    url: String,
    pub prefix: String,
}

/// The admin key and one search key for every test index (`t…`), found or made once.
async fn test_keys(url: &str) -> ocop_village::search::meili::MeiliKeys {
    static KEYS: tokio::sync::OnceCell<ocop_village::search::meili::MeiliKeys> =
        tokio::sync::OnceCell::const_new();
    KEYS.get_or_init(|| resolve_test_keys(url.to_owned()))
        .await
        .clone()
}

async fn resolve_test_keys(url: String) -> ocop_village::search::meili::MeiliKeys {
    ocop_village::search::meili::MeiliKeys {
        master: std::env::var("MEILI_MASTER_KEY")
            .ok()
            .map(ocop_village::config::Secret::new),
        ..Default::default()
    }
    .resolve(&url, "t")
    .await
    .expect("the test keys")
}

impl TestIndexes {
    pub fn new() -> Self {
        let url = meili_url("the Meilisearch test engine")
            .expect("TEST_SEARCH_ENGINE=meilisearch needs MEILI_URL");
        Self {
            url,
            prefix: format!("t{}_", &uuid::Uuid::new_v4().simple().to_string()[..12]),
        }
    }

    pub async fn connect(&self) -> Arc<dyn SearchEngine> {
        Arc::new(self.engine().await)
    }

    pub async fn engine(&self) -> ocop_village::search::meili::MeiliEngine {
        let keys = test_keys(&self.url).await;
        ocop_village::search::meili::MeiliEngine::connect(&self.url, &keys, &self.prefix)
            .await
            .expect("connecting to Meilisearch")
    }
}

impl Drop for TestIndexes {
    fn drop(&mut self) {
        let (url, prefix) = (self.url.clone(), self.prefix.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(rt) = rt {
                rt.block_on(async {
                    let keys = resolve_test_keys(url.clone()).await;
                    if let Ok(engine) =
                        ocop_village::search::meili::MeiliEngine::connect(&url, &keys, &prefix)
                            .await
                    {
                        let _ = engine.drop_indexes().await;
                    }
                });
            }
        })
        .join();
    }
}

/// Photos go to an S3-compatible bucket when `TEST_S3_BUCKET` is set (CI runs one), to local
/// disk otherwise.
fn test_media(database: &TestDatabase) -> MediaSettings {
    match std::env::var("TEST_S3_BUCKET") {
        Ok(bucket) => MediaSettings::S3 {
            bucket,
            endpoint: std::env::var("TEST_S3_ENDPOINT").ok(),
            region: std::env::var("TEST_S3_REGION").unwrap_or_else(|_| "us-east-1".into()),
        },
        Err(_) => MediaSettings::Local {
            dir: database.dir.path().join("media"),
        },
    }
}

/// An HTTP client that keeps cookies (a browser session) and does not follow redirects.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client")
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request sent")
    }

    /// The body of a page, as text.
    pub async fn get_html(&self, path: &str) -> String {
        self.get(path).await.text().await.expect("a text body")
    }

    /// The newest listing a shopper may find, as `/api/v1/listings` returns it.
    pub async fn first_listing(&self) -> serde_json::Value {
        let (_, list) = self.get_json("/api/v1/listings?per_page=1").await;
        list["items"][0].clone()
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.json().await.expect("a JSON body"))
    }

    pub async fn import(&self, bytes: &[u8], dry_run: bool) -> Result<ImportReport, ImportError> {
        ocop_village::features::registry::import_registry(
            &self.db,
            &self.reference,
            bytes,
            ImportOptions {
                dry_run,
                file_name: "test.csv",
                imported_by: "test",
                now: self.now,
                progress: indicatif_hidden(),
            },
        )
        .await
    }

    pub async fn seed_demo(&self) -> SeedReport {
        let media = ocop_village::media::store::build(&self.settings.media).expect("media store");
        seed_demo(
            &self.db,
            &self.reference,
            &media,
            self.now,
            indicatif_hidden(),
        )
        .await
        .expect("demo seed")
    }

    /// The prefix of the app's Meilisearch indexes, when it runs on Meilisearch.
    pub fn meili_prefix(&self) -> Option<&str> {
        self._index.as_ref().map(|i| i.prefix.as_str())
    }

    /// Waits until the worker has applied every outbox entry (panics after 20 s).
    pub async fn wait_for_outbox(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let backlog = ocop_village::jobs::outbox::backlog(&self.db)
                .await
                .expect("backlog");
            if backlog == 0 {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{backlog} outbox entries still pending"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// `SELECT COUNT(*) FROM table [WHERE …]`.
    pub async fn count(&self, table: &str, condition: &str) -> i64 {
        let sql = if condition.is_empty() {
            format!("SELECT COUNT(*) AS n FROM {table}")
        } else {
            format!("SELECT COUNT(*) AS n FROM {table} WHERE {condition}")
        };
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                self.db.get_database_backend(),
                sql,
            ))
            .await
            .expect("count query")
            .expect("a row");
        row.try_get::<i64>("", "n").expect("a count")
    }
}

fn indicatif_hidden() -> ocop_village::features::registry::import::ProgressBar {
    ocop_village::features::registry::import::ProgressBar::hidden()
}

/// The sample registry shipped in `seed/`.
pub fn sample_registry() -> &'static [u8] {
    ocop_village_tools::seed::SAMPLE_REGISTRY
}

/// The registry the demo seeds on the app's day (the sample, its dates moved), as lines.
pub fn demo_lines(app: &TestApp) -> Vec<String> {
    let day = ocop_village::domain::time::vietnam_date(app.now);
    let (bytes, _) = ocop_village_tools::seed::demo_registry(day).expect("the demo registry");
    String::from_utf8(bytes)
        .expect("UTF-8")
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The sample registry as lines, to edit in tests. Line `n` (1-based) is `lines[n - 1]`.
pub fn sample_lines() -> Vec<String> {
    std::str::from_utf8(sample_registry())
        .expect("the sample is UTF-8")
        .lines()
        .map(str::to_owned)
        .collect()
}

/// A database of its own for one test, removed when the test ends.
struct TestDatabase {
    pub(crate) url: String,
    dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    async fn create() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if admin_url.starts_with("postgres") => {
                let name = format!("ocop_test_{}", uuid::Uuid::new_v4().simple());
                let admin = db::connect(&admin_url)
                    .await
                    .expect("connecting to TEST_DATABASE_URL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("creating a test database");
                drop(admin);
                let url = replace_database(&admin_url, &name);
                Self {
                    url,
                    dir,
                    postgres: Some((admin_url, name)),
                }
            }
            _ => {
                let path: PathBuf = dir.path().join("test.db");
                Self {
                    url: format!("sqlite://{}?mode=rwc", path.display()),
                    dir,
                    postgres: None,
                }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.postgres.take() {
            // Drop runs outside async context: a short-lived runtime on its own thread.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(rt) = rt {
                    rt.block_on(async {
                        if let Ok(admin) = db::connect(&admin_url).await {
                            let _ = admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                                ))
                                .await;
                        }
                    });
                }
            })
            .join();
        }
    }
}

fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    match base.rfind('/') {
        Some(slash) if slash > base.find("://").map_or(0, |i| i + 2) => {
            format!("{}/{name}{query}", &base[..slash])
        }
        _ => format!("{base}/{name}{query}"),
    }
}

/// Sets `column` of data line `line` (1-based file line) to `value`, CSV-quoting as needed.
pub fn edit_line(lines: &mut [String], line: usize, column: &str, value: &str) {
    let header: Vec<String> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(lines[1].as_bytes())
        .records()
        .next()
        .expect("a header")
        .expect("a readable header")
        .iter()
        .map(str::to_owned)
        .collect();
    let index = header
        .iter()
        .position(|h| h == column)
        .expect("a known column");
    let mut fields: Vec<String> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(lines[line - 1].as_bytes())
        .records()
        .next()
        .expect("a row")
        .expect("a readable row")
        .iter()
        .map(str::to_owned)
        .collect();
    fields[index] = value.to_owned();
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    writer.write_record(&fields).expect("writing a row");
    let bytes = writer.into_inner().expect("flushed");
    lines[line - 1] = String::from_utf8(bytes)
        .expect("utf-8")
        .trim_end()
        .to_owned();
}

/// The value of `column` on file line `line`.
pub fn field(lines: &[String], line: usize, column: &str) -> String {
    let text = format!("{}\n{}\n", lines[1], lines[line - 1]);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = records.next().expect("header").expect("readable");
    let row = records.next().expect("row").expect("readable");
    let index = header
        .iter()
        .position(|h| h == column)
        .expect("a known column");
    row[index].to_owned()
}

pub fn join(lines: &[String]) -> Vec<u8> {
    let mut text = lines.join("\n");
    text.push('\n');
    text.into_bytes()
}

/// The password of every account the helpers make.
pub const PASSWORD: &str = "một mật khẩu dài";

/// Opens `path` in `client` and returns the form's CSRF token.
pub async fn csrf(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    let html = client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("body");
    let start = html.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    html[start..start + 32].to_owned()
}

/// Opens `/checkout` in `client`: the page, and the idempotency key of its form.
pub async fn checkout_form(app: &TestApp, client: &reqwest::Client) -> (String, String) {
    let page = client
        .get(format!("{}/checkout", app.address))
        .send()
        .await
        .expect("checkout")
        .text()
        .await
        .expect("body");
    let needle = "name=\"idempotency_key\" value=\"";
    let at = page.find(needle).expect("a key") + needle.len();
    let key = page[at..at + 36].to_owned();
    (page, key)
}

/// Posts a form as `client`, with its CSRF token (taken from the sign-in page, which every
/// browser can open).
pub async fn post_with_csrf(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let token = csrf(app, client, "/account/login").await;
    let mut form = vec![("csrf", token.as_str())];
    form.extend_from_slice(fields);
    post_form(app, client, path, &form).await
}

pub async fn post_form(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(format!("{}{path}", app.address))
        .form(form)
        .send()
        .await
        .expect("request")
}

impl TestApp {
    /// A verified account, and a browser signed in as it.
    pub async fn signed_in(&self, email: &str) -> (reqwest::Client, user::Model) {
        let account =
            ocop_village::features::accounts::NewAccount::parse(email, PASSWORD, "Người thử")
                .expect("a valid account");
        let user =
            ocop_village::features::accounts::sign_up(&self.db, account, "http://test", self.now)
                .await
                .expect("sign-up");
        let mut verified: user::ActiveModel = user.into();
        verified.email_verified_at = Set(Some(self.now));
        let user = verified.update(&self.db).await.expect("verified");
        let client = browser();
        let token = csrf(self, &client, "/account/login").await;
        let response = post_form(
            self,
            &client,
            "/account/login",
            &[("csrf", &token), ("email", email), ("password", PASSWORD)],
        )
        .await;
        assert_eq!(response.status().as_u16(), 303, "signed in");
        (client, user)
    }

    /// A fresh browser signed in as an existing account made by [`Self::signed_in`].
    pub async fn sign_in_again(&self, email: &str) -> reqwest::Client {
        let client = browser();
        let token = csrf(self, &client, "/account/login").await;
        let response = post_form(
            self,
            &client,
            "/account/login",
            &[("csrf", &token), ("email", email), ("password", PASSWORD)],
        )
        .await;
        assert_eq!(response.status().as_u16(), 303, "signed in");
        client
    }

    /// The user's principal, as routes see it.
    pub async fn principal(
        &self,
        user: &user::Model,
    ) -> ocop_village::features::accounts::auth::Principal {
        let fresh = user::Entity::find_by_id(user.id)
            .one(&self.db)
            .await
            .expect("query")
            .expect("the user");
        ocop_village::features::accounts::auth::Principal::load(&self.db, fresh)
            .await
            .expect("principal")
    }

    /// The principal of the account with this e-mail address (made by [`Self::signed_in`]).
    pub async fn principal_by_email(
        &self,
        email: &str,
    ) -> ocop_village::features::accounts::auth::Principal {
        let found = user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .one(&self.db)
            .await
            .expect("query")
            .expect("the account");
        ocop_village::features::accounts::auth::Principal::load(&self.db, found)
            .await
            .expect("principal")
    }

    /// Makes `user` a member of the (new or existing, active) seller of the participant with
    /// this business registration number, as an approved application would.
    pub async fn make_member(&self, user: &user::Model, registration_no: &str) -> seller::Model {
        let participant = registry_participant::Entity::find()
            .filter(registry_participant::Column::BusinessRegistrationNo.eq(registration_no))
            .one(&self.db)
            .await
            .expect("query")
            .expect("the participant is in the registry");
        let existing = seller::Entity::find()
            .filter(seller::Column::ParticipantId.eq(participant.id))
            .one(&self.db)
            .await
            .expect("query");
        let seller = match existing {
            Some(s) => s,
            None => seller::ActiveModel {
                pid: Set(uuid::Uuid::new_v4()),
                participant_id: Set(participant.id),
                slug: Set(format!("seller-{registration_no}")),
                display_name: Set(participant.name.clone()),
                state: Set(ocop_village::features::catalog::SellerState::Active),
                verified_at: Set(Some(self.now)),
                created_at: Set(self.now),
                updated_at: Set(self.now),
                ..Default::default()
            }
            .insert(&self.db)
            .await
            .expect("seller"),
        };
        ocop_village::features::accounts::auth::grant(
            &self.db,
            user.id,
            ocop_village::features::accounts::auth::Role::Seller,
            Some(seller.id),
            None,
            None,
            self.now,
        )
        .await
        .expect("membership");
        seller
    }

    /// Makes `user` an officer of `province`.
    pub async fn make_officer(&self, user: &user::Model, province: &str) {
        ocop_village::features::accounts::auth::grant(
            &self.db,
            user.id,
            ocop_village::features::accounts::auth::Role::Officer,
            None,
            None,
            Some(province),
            self.now,
        )
        .await
        .expect("membership");
    }

    /// Mail the worker has sent to `to`, oldest first.
    pub async fn mail_to(&self, to: &str) -> Vec<ocop_village::mail::OutgoingMail> {
        self.wait_for_outbox().await;
        self.mailer
            .sent()
            .into_iter()
            .filter(|m| m.to == to)
            .collect()
    }
}

/// The seller of the listing `pid`.
pub async fn seller_of_listing(
    app: &TestApp,
    pid: uuid::Uuid,
) -> ocop_village::domain::ids::SellerId {
    use ocop_village::db::entities::listing;
    listing::Entity::find()
        .filter(listing::Column::Pid.eq(pid))
        .one(&app.db)
        .await
        .expect("query")
        .expect("listing")
        .seller_id
}
