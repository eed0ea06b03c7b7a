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
    /// Province code → region code, overriding `seed/provinces.json`.
    pub region_overrides: BTreeMap<String, String>,
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

        match (bind, problems.is_empty()) {
            (Some(bind), true) => Ok(Self {
                database_url,
                bind,
                data_dir,
                log_format,
                region_overrides: file.region_overrides,
            }),
            _ => Err(ConfigError(problems)),
        }
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
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
