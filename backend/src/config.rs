//! Typed settings, read once at start-up from environment variables over an optional TOML
//! file (`OCOP_CONFIG=path`). Every bad value is reported, each with its own message.
use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

#[derive(Clone, Debug)]
pub struct Settings {
    /// `sqlite://…` or `postgres://…`.
    pub database_url: String,
    pub bind: SocketAddr,
    /// Where the embedded defaults keep their files (SQLite database, search index, mail).
    pub data_dir: PathBuf,
    pub log_format: LogFormat,
    /// `PUBLIC_URL`: the address shoppers use, for links in e-mails and pages, canonical
    /// links and the sitemap (no trailing slash). Never taken from request headers; see
    /// [`Settings::site_url`] for when it may be left out.
    pub public_url: Option<String>,
    /// `TRUSTED_PROXIES`: the reverse proxies (addresses or CIDR ranges) whose
    /// `X-Forwarded-For` names the client. Other peers are the client themselves.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// `SESSION_KEY`: 128 hex digits signing session and CSRF cookies. Several instances must
    /// share it; without it a key is kept in `DATA_DIR/session.key`.
    pub session_key: Option<Secret>,
    /// `SMTP_URL` (`smtp://user:pass@host:587`, `smtps://…`); without it mail is written to
    /// `DATA_DIR/mail` as `.eml` files.
    pub smtp_url: Option<Secret>,
    /// `MAIL_FROM`: the sender of every message.
    pub mail_from: String,
    /// Province code → region code, overriding `seed/provinces.json`.
    pub region_overrides: BTreeMap<String, String>,
    pub search: SearchSettings,
    pub media: MediaSettings,
    pub payments: PaymentSettings,
    pub shipping: ShippingSettings,
    /// `API_RATE_PER_MINUTE`: requests a minute each client address may make to `/api/`,
    /// counted across every app instance on PostgreSQL (0: no limit).
    pub api_rate_per_minute: u32,
    /// `METRICS_TOKEN`: lets other hosts read `/metrics` with `Authorization: Bearer …`;
    /// without it only loopback clients may.
    pub metrics_token: Option<Secret>,
    /// `OUTBOX_LEASE_SECONDS`: how long an instance holds the outbox entries it claimed (e-mail,
    /// search updates) before another may take them; an instance that crashed leaves its
    /// entries that long. A send to the SMTP server is cut off at half of it.
    pub outbox_lease: std::time::Duration,
    /// How long an anonymous page may be served from memory, and kept by shared caches
    /// (`PAGE_CACHE_SECONDS`, 0 to render every request; see `web::page_cache`).
    pub page_cache: std::time::Duration,
    /// Set by `serve --demo` (not an environment variable): a trial, where `PUBLIC_URL` may
    /// be left out.
    pub demo: bool,
}

/// Online payments. Cash on delivery and VietQR transfers (to each seller's own account) need
/// no keys; card payments appear only when Stripe is configured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentSettings {
    pub stripe: Option<StripeSettings>,
    /// `BANK_WEBHOOK_SECRET`: signs the bank's transfer notifications at `/webhooks/bank`;
    /// without it that endpoint is off and sellers confirm transfers by hand.
    pub bank_webhook_secret: Option<Secret>,
    /// `PLATFORM_COMMISSION_BPS` (0 by default) and `STRIPE_FEE_BPS` (340 by default):
    /// what the settlement ledger takes from each card sale, in hundredths of a percent.
    pub rates: crate::domain::ledger::Rates,
    /// `RETURN_WINDOW_DAYS` (7 by default): how many days after delivery a shopper may ask to
    /// return goods, and after a seller's refusal may dispute it.
    pub return_days: i64,
}

/// The return window a shopper is promised unless `RETURN_WINDOW_DAYS` says otherwise.
pub const DEFAULT_RETURN_DAYS: i64 = 7;

impl Default for PaymentSettings {
    fn default() -> Self {
        Self {
            stripe: None,
            bank_webhook_secret: None,
            rates: Default::default(),
            return_days: DEFAULT_RETURN_DAYS,
        }
    }
}

/// Carriers. Sellers bring their own GHN or GHTK account (its token is kept with the seller);
/// the platform only says where the carriers are and checks their status callbacks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShippingSettings {
    /// `GHN_API_URL`, `GHTK_API_URL`: other addresses for the carriers' APIs (their staging
    /// servers, or local stand-ins in tests); their production addresses otherwise.
    pub ghn_api: Option<String>,
    pub ghtk_api: Option<String>,
    /// `CARRIER_WEBHOOK_SECRET`: signs the carriers' status callbacks at
    /// `/webhooks/carriers/{ghn|ghtk}`; without it that endpoint is off and sellers move their
    /// orders by hand.
    pub webhook_secret: Option<Secret>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StripeSettings {
    /// `STRIPE_SECRET_KEY` (`sk_test_…` in test mode).
    pub secret_key: Secret,
    /// `STRIPE_WEBHOOK_SECRET` (`whsec_…`): verifies `/webhooks/stripe`.
    pub webhook_secret: Secret,
    /// `STRIPE_API_BASE`: another address for the Stripe API (a local stand-in in tests).
    pub api_base: Option<String>,
}

/// Where product photos are stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MediaSettings {
    /// Files under a local directory (`DATA_DIR/media`).
    Local { dir: PathBuf },
    /// An S3-compatible bucket; credentials from `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`.
    S3 {
        bucket: String,
        endpoint: Option<String>,
        region: String,
    },
}

/// Which search engine serves queries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SearchSettings {
    /// tantivy, index on local disk.
    Embedded { dir: PathBuf },
    /// Meilisearch, shared by every app instance; indexes are named `{prefix}listings`.
    Meilisearch {
        url: String,
        keys: MeiliKeys,
        prefix: String,
    },
}

/// The Meilisearch keys the app uses (see `search::meili` for how they are resolved).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MeiliKeys {
    /// Writes: documents, settings, index creation and swaps (`MEILI_ADMIN_KEY`).
    pub admin: Option<Secret>,
    /// Searches only (`MEILI_SEARCH_KEY`).
    pub search: Option<Secret>,
    /// `MEILI_MASTER_KEY`: when given without the other two, the admin key and a search key
    /// limited to this deployment's indexes are looked up (or the search key made) with it.
    pub master: Option<Secret>,
}

/// A secret value: never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Self(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Every problem found in the configuration.
#[derive(Debug)]
pub struct ConfigError(pub Vec<String>);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "invalid configuration:")?;
        for problem in &self.0 {
            writeln!(f, "  - {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// The optional file: the same settings as the environment, in lower case.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    database_url: Option<String>,
    bind: Option<String>,
    port: Option<u16>,
    data_dir: Option<String>,
    log_format: Option<String>,
    public_url: Option<String>,
    trusted_proxies: Option<String>,
    mail_from: Option<String>,
    meili_url: Option<String>,
    meili_index_prefix: Option<String>,
    media_s3_bucket: Option<String>,
    media_s3_endpoint: Option<String>,
    media_s3_region: Option<String>,
    api_rate_per_minute: Option<u32>,
    outbox_lease_seconds: Option<u64>,
    page_cache_seconds: Option<u64>,
    #[serde(default)]
    region_overrides: BTreeMap<String, String>,
}

const DEFAULT_HOST: &str = "127.0.0.1";
const DEFAULT_PORT: u16 = 8080;

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(|key| std::env::var(key).ok())
    }

    /// Reads settings through `var` (the environment, or a map in tests).
    pub fn from_source(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut problems = Vec::new();
        let var = |key: &str| var(key).filter(|v| !v.trim().is_empty());

        let file = match var("OCOP_CONFIG") {
            None => FileSettings::default(),
            Some(path) => match std::fs::read_to_string(&path) {
                Err(e) => {
                    problems.push(format!("OCOP_CONFIG: cannot read {path:?}: {e}"));
                    FileSettings::default()
                }
                Ok(text) => toml::from_str(&text).unwrap_or_else(|e| {
                    problems.push(format!("OCOP_CONFIG: {path:?} is not valid: {e}"));
                    FileSettings::default()
                }),
            },
        };

        let data_dir = PathBuf::from(
            var("DATA_DIR")
                .or(file.data_dir)
                .unwrap_or_else(|| "./data".into()),
        );

        let database_url = var("DATABASE_URL")
            .or(file.database_url)
            .unwrap_or_else(|| {
                format!(
                    "sqlite://{}?mode=rwc",
                    data_dir.join("ocop-village.db").display()
                )
            });
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            problems.push(format!(
                "DATABASE_URL: {:?} is neither sqlite:… nor postgres://…",
                redact_url(&database_url)
            ));
        }

        let port = match var("PORT") {
            Some(raw) => match raw.trim().parse::<u16>() {
                Ok(p) => Some(p),
                Err(_) => {
                    problems.push(format!("PORT: {raw:?} is not a port number (0-65535)"));
                    None
                }
            },
            None => file.port,
        };
        let bind = match var("BIND").or(file.bind) {
            Some(raw) => match raw.parse::<SocketAddr>() {
                // BIND=host:port; PORT, when also set, wins for the port.
                Ok(mut addr) => {
                    if let Some(p) = port {
                        addr.set_port(p);
                    }
                    Some(addr)
                }
                Err(_) => match format!("{raw}:{}", port.unwrap_or(DEFAULT_PORT)).parse() {
                    Ok(addr) => Some(addr),
                    Err(_) => {
                        problems.push(format!(
                            "BIND: {raw:?} is not an address like 127.0.0.1:8080 or 0.0.0.0"
                        ));
                        None
                    }
                },
            },
            None => format!("{DEFAULT_HOST}:{}", port.unwrap_or(DEFAULT_PORT))
                .parse()
                .ok(),
        };

        let log_format = match var("LOG_FORMAT").or(file.log_format).as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                problems.push(format!("LOG_FORMAT: {other:?} is neither pretty nor json"));
                LogFormat::Pretty
            }
        };

        let public_url = match var("PUBLIC_URL").or(file.public_url) {
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                Some(url.trim_end_matches('/').to_owned())
            }
            Some(url) => {
                problems.push(format!(
                    "PUBLIC_URL: {url:?} is not an http:// or https:// URL"
                ));
                None
            }
            None => None,
        };

        let trusted_proxies = var("TRUSTED_PROXIES")
            .or(file.trusted_proxies)
            .map(|raw| {
                raw.split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .filter_map(|p| {
                        let parsed = p.parse::<ipnet::IpNet>().ok().or_else(|| {
                            p.parse::<std::net::IpAddr>().ok().map(ipnet::IpNet::from)
                        });
                        if parsed.is_none() {
                            problems.push(format!(
                                "TRUSTED_PROXIES: {p:?} is not an address or a range like 10.0.0.0/8"
                            ));
                        }
                        parsed
                    })
                    .collect()
            })
            .unwrap_or_default();

        let session_key = var("SESSION_KEY");
        if let Some(key) = &session_key
            && (key.len() != 128 || !key.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            problems.push("SESSION_KEY: must be 128 hexadecimal digits (64 random bytes)".into());
        }

        // SMTP_URL may carry a password: environment only.
        let smtp_url = var("SMTP_URL");
        if let Some(url) = &smtp_url
            && !(url.starts_with("smtp://") || url.starts_with("smtps://"))
        {
            problems.push(format!(
                "SMTP_URL: {:?} is not an smtp:// or smtps:// URL",
                redact_url(url)
            ));
        }
        let mail_from = var("MAIL_FROM")
            .or(file.mail_from)
            .unwrap_or_else(|| "OCOP Village <no-reply@localhost>".into());
        if mail_from.parse::<lettre::message::Mailbox>().is_err() {
            problems.push(format!(
                "MAIL_FROM: {mail_from:?} is not an address like \"OCOP Village <no-reply@example.vn>\""
            ));
        }

        // Keys are secrets: read from the environment only, never from the file.
        let meili_keys = MeiliKeys {
            admin: var("MEILI_ADMIN_KEY").map(Secret::new),
            search: var("MEILI_SEARCH_KEY").map(Secret::new),
            master: var("MEILI_MASTER_KEY").map(Secret::new),
        };
        let any_meili_key = meili_keys != MeiliKeys::default();
        let prefix = var("MEILI_INDEX_PREFIX")
            .or(file.meili_index_prefix)
            .unwrap_or_else(|| "ocop_".into());
        if !prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            problems.push(format!(
                "MEILI_INDEX_PREFIX: {prefix:?} may only hold letters, digits, '_' and '-'"
            ));
        }
        let search = match var("MEILI_URL").or(file.meili_url) {
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                SearchSettings::Meilisearch {
                    url: url.trim_end_matches('/').to_owned(),
                    keys: meili_keys,
                    prefix,
                }
            }
            Some(url) => {
                problems.push(format!(
                    "MEILI_URL: {url:?} is not an http:// or https:// URL"
                ));
                SearchSettings::Embedded {
                    dir: data_dir.join("search"),
                }
            }
            None => {
                if any_meili_key {
                    problems.push(
                        "a Meilisearch key is set but MEILI_URL is not: set both to use Meilisearch"
                            .into(),
                    );
                }
                SearchSettings::Embedded {
                    dir: data_dir.join("search"),
                }
            }
        };

        let media = match var("MEDIA_S3_BUCKET").or(file.media_s3_bucket) {
            None => MediaSettings::Local {
                dir: data_dir.join("media"),
            },
            Some(bucket) => {
                let endpoint = var("MEDIA_S3_ENDPOINT").or(file.media_s3_endpoint);
                if let Some(url) = &endpoint
                    && !(url.starts_with("http://") || url.starts_with("https://"))
                {
                    problems.push(format!(
                        "MEDIA_S3_ENDPOINT: {url:?} is not an http:// or https:// URL"
                    ));
                }
                MediaSettings::S3 {
                    bucket,
                    endpoint: endpoint.map(|u| u.trim_end_matches('/').to_owned()),
                    region: var("MEDIA_S3_REGION")
                        .or(file.media_s3_region)
                        .unwrap_or_else(|| "us-east-1".into()),
                }
            }
        };

        // Payment keys are secrets: environment only.
        let stripe = match (var("STRIPE_SECRET_KEY"), var("STRIPE_WEBHOOK_SECRET")) {
            (Some(secret_key), Some(webhook_secret)) => Some(StripeSettings {
                secret_key: Secret::new(secret_key),
                webhook_secret: Secret::new(webhook_secret),
                api_base: var("STRIPE_API_BASE").map(|u| u.trim_end_matches('/').to_owned()),
            }),
            (None, None) => None,
            _ => {
                problems.push(
                    "STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET go together: set both to take card payments"
                        .into(),
                );
                None
            }
        };
        let mut bps = |name: &str, default: i32| match var(name) {
            Some(raw) => match raw.trim().parse::<i32>() {
                Ok(n) if (0..=10_000).contains(&n) => n,
                _ => {
                    problems.push(format!(
                        "{name}: {raw:?} is not a rate in hundredths of a percent (0 to 10000)"
                    ));
                    default
                }
            },
            None => default,
        };
        let rates = crate::domain::ledger::Rates {
            commission_bps: bps("PLATFORM_COMMISSION_BPS", 0),
            stripe_fee_bps: bps("STRIPE_FEE_BPS", 340),
        };
        let return_days = match var("RETURN_WINDOW_DAYS") {
            Some(raw) => match raw.trim().parse::<i64>() {
                Ok(days) if (1..=365).contains(&days) => days,
                _ => {
                    problems.push(format!(
                        "RETURN_WINDOW_DAYS: {raw:?} is not a whole number of days from 1 to 365"
                    ));
                    DEFAULT_RETURN_DAYS
                }
            },
            None => DEFAULT_RETURN_DAYS,
        };
        let payments = PaymentSettings {
            stripe,
            bank_webhook_secret: var("BANK_WEBHOOK_SECRET").map(Secret::new),
            rates,
            return_days,
        };
        let shipping = ShippingSettings {
            ghn_api: var("GHN_API_URL"),
            ghtk_api: var("GHTK_API_URL"),
            webhook_secret: var("CARRIER_WEBHOOK_SECRET").map(Secret::new),
        };

        let api_rate_per_minute = match var("API_RATE_PER_MINUTE") {
            Some(raw) => raw.trim().parse::<u32>().unwrap_or_else(|_| {
                problems.push(format!(
                    "API_RATE_PER_MINUTE: {raw:?} is not a whole number of requests (0 for no limit)"
                ));
                0
            }),
            None => file.api_rate_per_minute.unwrap_or(600),
        };
        // A token is a secret: environment only.
        let metrics_token = var("METRICS_TOKEN").map(Secret::new);
        let outbox_lease_seconds = match var("OUTBOX_LEASE_SECONDS") {
            Some(raw) => match raw.trim().parse::<u64>() {
                Ok(n) if (10..=3600).contains(&n) => n,
                _ => {
                    problems.push(format!(
                        "OUTBOX_LEASE_SECONDS: {raw:?} is not a number of seconds from 10 to 3600"
                    ));
                    60
                }
            },
            None => file.outbox_lease_seconds.unwrap_or(60),
        };
        let page_cache_seconds = match var("PAGE_CACHE_SECONDS") {
            Some(raw) => match raw.trim().parse::<u64>() {
                Ok(n) if n <= 300 => n,
                _ => {
                    problems.push(format!(
                        "PAGE_CACHE_SECONDS: {raw:?} is not a number of seconds from 0 to 300"
                    ));
                    10
                }
            },
            None => file.page_cache_seconds.unwrap_or(10),
        };

        match (bind, problems.is_empty()) {
            (Some(bind), true) => Ok(Self {
                api_rate_per_minute,
                metrics_token,
                database_url,
                bind,
                data_dir,
                log_format,
                public_url,
                trusted_proxies,
                session_key: session_key.map(Secret::new),
                smtp_url: smtp_url.map(Secret::new),
                mail_from,
                region_overrides: file.region_overrides,
                search,
                media,
                payments,
                shipping,
                outbox_lease: std::time::Duration::from_secs(outbox_lease_seconds),
                page_cache: std::time::Duration::from_secs(page_cache_seconds),
                demo: false,
            }),
            _ => Err(ConfigError(problems)),
        }
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }

    /// The site's address for every link the app writes (e-mails, canonical links, the
    /// sitemap): `PUBLIC_URL`. It may be left out only for a trial on one machine, the demo
    /// or an app that listens on loopback alone, and is then the address it listens on.
    /// Links are never built from request headers (`Host`, `X-Forwarded-Host`), which a
    /// client chooses.
    pub fn site_url(&self, port: u16) -> Result<String, ConfigError> {
        match &self.public_url {
            Some(url) => Ok(url.clone()),
            None if self.demo || self.bind.ip().is_loopback() => {
                let host = if self.bind.ip().is_unspecified() {
                    "127.0.0.1".to_owned()
                } else {
                    self.bind.ip().to_string()
                };
                Ok(format!("http://{host}:{port}"))
            }
            None => Err(ConfigError(vec![format!(
                "PUBLIC_URL is required when the app listens on {} (reachable from other machines): \
                 set the address shoppers use, e.g. https://ocop.example.vn",
                self.bind.ip()
            )])),
        }
    }
}

/// A database URL without its password, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_source(|k| map.get(k).cloned())
    }

    #[test]
    fn photos_go_to_disk_unless_a_bucket_is_named() {
        let local = settings(&[("DATA_DIR", "/srv/ocop")]).expect("ok");
        assert_eq!(
            local.media,
            MediaSettings::Local {
                dir: PathBuf::from("/srv/ocop/media")
            }
        );
        let s3 = settings(&[
            ("MEDIA_S3_BUCKET", "ocop-photos"),
            ("MEDIA_S3_ENDPOINT", "http://127.0.0.1:9000/"),
        ])
        .expect("ok");
        assert_eq!(
            s3.media,
            MediaSettings::S3 {
                bucket: "ocop-photos".into(),
                endpoint: Some("http://127.0.0.1:9000".into()),
                region: "us-east-1".into(),
            }
        );
        let bad = settings(&[
            ("MEDIA_S3_BUCKET", "b"),
            ("MEDIA_S3_ENDPOINT", "minio:9000"),
        ]);
        assert!(bad.is_err());
    }

    #[test]
    fn defaults_to_sqlite_under_data_and_port_8080() {
        let s = settings(&[]).expect("defaults are valid");
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert!(s.is_sqlite());
        assert!(s.database_url.contains("data/ocop-village.db"));
    }

    #[test]
    fn port_and_bind_override_the_address() {
        assert_eq!(
            settings(&[("PORT", "9000")]).expect("ok").bind.to_string(),
            "127.0.0.1:9000"
        );
        assert_eq!(
            settings(&[("BIND", "0.0.0.0")])
                .expect("ok")
                .bind
                .to_string(),
            "0.0.0.0:8080"
        );
        assert_eq!(
            settings(&[("BIND", "0.0.0.0:81"), ("PORT", "82")])
                .expect("ok")
                .bind
                .to_string(),
            "0.0.0.0:82"
        );
    }

    #[test]
    fn reports_every_bad_value() {
        let err = settings(&[
            ("PORT", "eighty"),
            ("DATABASE_URL", "mysql://root:secret@localhost/db"),
            ("LOG_FORMAT", "xml"),
        ])
        .expect_err("three bad values");
        assert_eq!(err.0.len(), 3, "{err}");
        assert!(
            !err.to_string().contains("secret"),
            "passwords are redacted: {err}"
        );
    }

    #[test]
    fn meilisearch_is_used_when_its_url_is_set_and_the_key_stays_secret() {
        let s = settings(&[
            ("MEILI_URL", "http://127.0.0.1:7700/"),
            ("MEILI_MASTER_KEY", "k3y"),
        ])
        .expect("valid");
        match &s.search {
            SearchSettings::Meilisearch { url, keys, prefix } => {
                assert_eq!(url, "http://127.0.0.1:7700");
                assert_eq!(keys.master.as_ref().map(Secret::expose), Some("k3y"));
                assert_eq!(keys.search, None);
                assert_eq!(prefix, "ocop_");
            }
            other => panic!("expected Meilisearch, got {other:?}"),
        }
        assert!(
            !format!("{s:?}").contains("k3y"),
            "Debug never shows the key"
        );
        assert!(matches!(
            settings(&[]).expect("ok").search,
            SearchSettings::Embedded { .. }
        ));
        assert!(settings(&[("MEILI_URL", "localhost:7700")]).is_err());
        assert!(settings(&[("MEILI_MASTER_KEY", "k3y")]).is_err());
        assert_eq!(
            settings(&[("PUBLIC_URL", "https://ocop.example.vn/")])
                .expect("ok")
                .public_url
                .as_deref(),
            Some("https://ocop.example.vn")
        );
        assert!(settings(&[("PUBLIC_URL", "ocop.example.vn")]).is_err());
        assert!(
            settings(&[("MEILI_SEARCH_KEY", "s")]).is_err(),
            "a key needs a URL"
        );
    }

    #[test]
    fn links_come_from_public_url_and_only_a_local_trial_may_leave_it_out() {
        let local = settings(&[]).expect("ok");
        assert_eq!(
            local.site_url(8080).expect("loopback"),
            "http://127.0.0.1:8080"
        );
        let mut exposed = settings(&[("BIND", "0.0.0.0:8080")]).expect("ok");
        assert!(exposed.site_url(8080).is_err(), "reachable from others");
        exposed.demo = true;
        assert_eq!(
            exposed.site_url(8080).expect("demo"),
            "http://127.0.0.1:8080"
        );
        let public =
            settings(&[("BIND", "0.0.0.0"), ("PUBLIC_URL", "https://ocop.vn/")]).expect("ok");
        assert_eq!(public.site_url(8080).expect("set"), "https://ocop.vn");
    }

    #[test]
    fn trusted_proxies_are_addresses_or_ranges() {
        let s = settings(&[("TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8,::1")]).expect("ok");
        assert_eq!(s.trusted_proxies.len(), 3);
        assert!(
            s.trusted_proxies[1].contains(&"10.1.2.3".parse::<std::net::IpAddr>().expect("ip"))
        );
        let bad = settings(&[("TRUSTED_PROXIES", "10.0.0.0/8, proxy.local")])
            .expect_err("a host name is not an address");
        assert!(bad.to_string().contains("proxy.local"), "{bad}");
    }

    #[test]
    fn reads_an_optional_toml_file_under_the_environment() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("ocop.toml");
        std::fs::write(
            &path,
            "port = 9100\nlog_format = \"json\"\n[region_overrides]\nbac-ninh = \"red-river-delta\"\n",
        )
        .expect("write config");
        let path = path.to_string_lossy().to_string();
        let s = settings(&[("OCOP_CONFIG", &path), ("LOG_FORMAT", "pretty")]).expect("valid");
        assert_eq!(s.bind.port(), 9100);
        assert_eq!(
            s.log_format,
            LogFormat::Pretty,
            "the environment wins over the file"
        );
        assert_eq!(
            s.region_overrides.get("bac-ninh").map(String::as_str),
            Some("red-river-delta")
        );

        std::fs::write(dir.path().join("bad.toml"), "colour = 1\n").expect("write");
        let bad = dir.path().join("bad.toml").to_string_lossy().to_string();
        assert!(settings(&[("OCOP_CONFIG", &bad)]).is_err());
    }
}
