//! `ocop-village bench pages`: every main page and API route of a running marketplace under
//! concurrent clients, signed out and signed in as the demo accounts (seller area, officers'
//! indicator, outlet counter), with each route's rate as a share of the static-file floor
//! (the site's own stylesheet) measured in the same run.
//!
//! Each route gets `connections` clients on kept-alive connections for `seconds` seconds, one
//! route after another; every request must answer 200 or the route is reported as failing.
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::ProgressBar;

pub struct PagesOptions {
    pub url: String,
    pub connections: usize,
    pub seconds: f64,
}

/// Who a route is loaded as.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum As {
    Anonymous,
    Seller,
    Officer,
    Outlet,
}

impl As {
    fn label(self) -> &'static str {
        match self {
            Self::Anonymous => "",
            Self::Seller => "seller",
            Self::Officer => "officer",
            Self::Outlet => "outlet staff",
        }
    }

    /// The demo account (see `seed::DEMO_ACCOUNTS`).
    fn account(self) -> Option<(&'static str, &'static str)> {
        match self {
            Self::Anonymous => None,
            Self::Seller => Some(("nguoiban@ocop.demo", "demo-nguoiban-2026")),
            Self::Officer => Some(("canbo@ocop.demo", "demo-canbo-2026")),
            Self::Outlet => Some(("diemban@ocop.demo", "demo-diemban-2026")),
        }
    }
}

pub struct RouteFigures {
    pub route: String,
    pub who: As,
    pub requests: usize,
    pub failures: usize,
    pub per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
}

fn client(cookies: bool, connections: usize) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .cookie_store(cookies)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(connections)
        .timeout(Duration::from_secs(30))
        .build()?)
}

/// The first match of `prefix` followed by characters in `allowed` in `text`.
fn find_after(text: &str, prefix: &str, allowed: impl Fn(char) -> bool) -> Option<String> {
    let at = text.find(prefix)? + prefix.len();
    let rest: String = text[at..].chars().take_while(|c| allowed(*c)).collect();
    (!rest.is_empty()).then(|| format!("{prefix}{rest}"))
}

fn slug_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

async fn text(client: &reqwest::Client, url: &str) -> anyhow::Result<String> {
    let response = client.get(url).send().await?;
    anyhow::ensure!(
        response.status().is_success(),
        "{url} answered {}",
        response.status()
    );
    Ok(response.text().await?)
}

async fn sign_in(client: &reqwest::Client, base: &str, who: As) -> anyhow::Result<()> {
    let Some((email, password)) = who.account() else {
        return Ok(());
    };
    let form = text(client, &format!("{base}/account/login")).await?;
    let csrf = find_after(&form, "name=\"csrf\" value=\"", |c| c.is_ascii_hexdigit())
        .map(|s| s.trim_start_matches("name=\"csrf\" value=\"").to_owned())
        .context("no CSRF token on the sign-in page")?;
    let response = client
        .post(format!("{base}/account/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await?;
    anyhow::ensure!(
        response.status() == reqwest::StatusCode::SEE_OTHER,
        "{email} could not sign in ({}): is the demo seeded?",
        response.status()
    );
    Ok(())
}

/// The routes to load, found on the running site (a product, its producer, a show…).
async fn routes(base: &str) -> anyhow::Result<Vec<(String, As)>> {
    let anonymous = client(false, 1)?;
    let home = text(&anonymous, &format!("{base}/")).await?;
    let stylesheet = find_after(&home, "/static/site.", |c| c != '"')
        .context("the home page links no stylesheet")?;
    let found = text(
        &anonymous,
        &format!("{base}/api/v1/search?q=tra&per_page=1"),
    )
    .await?;
    let hit: serde_json::Value = serde_json::from_str(&found)?;
    let first = &hit["hits"][0];
    let slug = first["slug"].as_str().context("search found no product")?;
    let certificate = first["certificate_no"].as_str().unwrap_or_default();
    let product_path = format!("/products/{slug}");
    let product = text(&anonymous, &format!("{base}{product_path}")).await?;
    let mut list = vec![
        (stylesheet, As::Anonymous),
        ("/".to_owned(), As::Anonymous),
        ("/search?q=tra&stars=4".to_owned(), As::Anonymous),
        ("/api/v1/search?q=tra&stars=4".to_owned(), As::Anonymous),
        (
            "/search?region=mekong-delta&stars=3".to_owned(),
            As::Anonymous,
        ),
        (product_path, As::Anonymous),
    ];
    if let Some(producer) = find_after(&product, "/producers/", slug_char) {
        list.push((producer, As::Anonymous));
    }
    list.push((format!("/verify/{certificate}"), As::Anonymous));
    list.push(("/provinces".to_owned(), As::Anonymous));
    list.push(("/provinces/ha-noi".to_owned(), As::Anonymous));
    list.push(("/regions/mekong-delta".to_owned(), As::Anonymous));
    if let Some(show) = find_after(&home, "/live/", |c| c.is_ascii_digit()) {
        list.push((show, As::Anonymous));
    }
    list.push(("/combos".to_owned(), As::Anonymous));
    list.push(("/indicators/modern-trade".to_owned(), As::Anonymous));
    list.push(("/api/v1/indicators/modern-trade".to_owned(), As::Anonymous));
    list.push(("/api/v1/listings?per_page=24".to_owned(), As::Anonymous));
    // The outlet's storefront, as its counter links it.
    let staff = client(true, 1)?;
    sign_in(&staff, base, As::Outlet).await?;
    let counter = text(&staff, &format!("{base}/outlet")).await?;
    if let Some(storefront) = find_after(&counter, "/outlets/", slug_char) {
        list.push((storefront, As::Anonymous));
    }
    for (path, who) in [
        ("/seller", As::Seller),
        ("/seller/orders", As::Seller),
        ("/seller/sales", As::Seller),
        ("/officer", As::Officer),
        ("/officer/indicators", As::Officer),
        ("/outlet", As::Outlet),
    ] {
        list.push((path.to_owned(), who));
    }
    Ok(list)
}

async fn load(
    client: &reqwest::Client,
    url: &str,
    options: &PagesOptions,
) -> anyhow::Result<(Vec<Duration>, usize, Duration)> {
    let deadline = Instant::now() + Duration::from_secs_f64(options.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..options.connections.max(1) {
        let client = client.clone();
        let url = url.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut failures = 0;
            while Instant::now() < deadline {
                let began = Instant::now();
                let ok = match client.get(&url).send().await {
                    Ok(response) => {
                        let ok = response.status() == reqwest::StatusCode::OK;
                        ok && response.bytes().await.is_ok()
                    }
                    Err(_) => false,
                };
                samples.push(began.elapsed());
                if !ok {
                    failures += 1;
                }
            }
            (samples, failures)
        }));
    }
    let mut samples = Vec::new();
    let mut failures = 0;
    for task in tasks {
        let (s, f) = task.await?;
        samples.extend(s);
        failures += f;
    }
    Ok((samples, failures, started.elapsed()))
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64) * q).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub async fn run(
    options: &PagesOptions,
    progress: ProgressBar,
) -> anyhow::Result<Vec<RouteFigures>> {
    let base = options.url.trim_end_matches('/');
    let list = routes(base).await?;
    progress.set_length(list.len() as u64);
    let mut clients: Vec<(As, reqwest::Client)> = Vec::new();
    let mut figures = Vec::new();
    for (path, who) in list {
        let existing = clients
            .iter()
            .find(|(w, _)| *w == who)
            .map(|(_, c)| c.clone());
        let client = match existing {
            Some(c) => c,
            None => {
                let c = client(who != As::Anonymous, options.connections)?;
                sign_in(&c, base, who).await?;
                clients.push((who, c.clone()));
                c
            }
        };
        progress.set_message(path.clone());
        let url = format!("{base}{path}");
        // A short warm-up: connections opened, caches as a visitor finds them.
        let warm = PagesOptions {
            url: options.url.clone(),
            connections: options.connections,
            seconds: (options.seconds / 5.0).min(1.0),
        };
        load(&client, &url, &warm).await?;
        let (mut samples, failures, elapsed) = load(&client, &url, options).await?;
        samples.sort_unstable();
        figures.push(RouteFigures {
            route: path,
            who,
            requests: samples.len(),
            failures,
            per_second: samples.len() as f64 / elapsed.as_secs_f64().max(1e-9),
            p50: percentile(&samples, 0.50),
            p99: percentile(&samples, 0.99),
        });
        progress.inc(1);
    }
    progress.finish_and_clear();
    Ok(figures)
}

/// The goals: anonymous pages at least a quarter of the static floor and p99 under 50 ms,
/// signed-in pages p99 under 100 ms.
pub fn meets_goal(f: &RouteFigures, floor: f64) -> bool {
    match f.who {
        As::Anonymous => f.per_second >= floor / 4.0 && f.p99 < Duration::from_millis(50),
        _ => f.p99 < Duration::from_millis(100),
    }
}

/// A Markdown table of the figures, the first row (the stylesheet) being the floor.
pub fn table(figures: &[RouteFigures], options: &PagesOptions) -> String {
    let floor = figures.first().map_or(1.0, |f| f.per_second.max(1e-9));
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    let mut out = format!(
        "{} clients, {:.0} s per route\n\n| route | as | req/s | p50 | p99 | share of the static floor | goal |\n|---|---|---|---|---|---|---|\n",
        options.connections, options.seconds
    );
    for f in figures {
        let goal = if f.failures > 0 {
            format!("{} failed", f.failures)
        } else if meets_goal(f, floor) {
            "met".to_owned()
        } else {
            "missed".to_owned()
        };
        out.push_str(&format!(
            "| `{}` | {} | {:.0} | {} | {} | {:.3} | {} |\n",
            f.route,
            f.who.label(),
            f.per_second,
            ms(f.p50),
            ms(f.p99),
            f.per_second / floor,
            goal
        ));
    }
    out
}

/// Whether every request of every route answered 200.
pub fn all_answered(figures: &[RouteFigures]) -> bool {
    figures.iter().all(|f| f.failures == 0 && f.requests > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_take_the_sample_at_or_above_the_rank() {
        let sorted: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&sorted, 0.5), Duration::from_millis(50));
        assert_eq!(percentile(&sorted, 0.99), Duration::from_millis(99));
        assert_eq!(percentile(&sorted[..1], 0.99), Duration::from_millis(1));
        assert_eq!(percentile(&[], 0.5), Duration::ZERO);
    }

    #[test]
    fn links_are_found_with_their_allowed_characters() {
        let page = r#"<a href="/producers/htx-tra-1">x</a> <link href="/static/site.abc123.css">"#;
        assert_eq!(
            find_after(page, "/producers/", slug_char).as_deref(),
            Some("/producers/htx-tra-1")
        );
        assert_eq!(
            find_after(page, "/static/site.", |c| c != '"').as_deref(),
            Some("/static/site.abc123.css")
        );
        assert_eq!(find_after(page, "/live/", |c| c.is_ascii_digit()), None);
    }

    #[test]
    fn anonymous_goals_need_a_quarter_of_the_floor_and_signed_in_ones_only_latency() {
        let page = |who, per_second, p99| RouteFigures {
            route: "/".into(),
            who,
            requests: 10,
            failures: 0,
            per_second,
            p50: Duration::from_millis(1),
            p99: Duration::from_millis(p99),
        };
        assert!(meets_goal(&page(As::Anonymous, 250.0, 49), 1000.0));
        assert!(!meets_goal(&page(As::Anonymous, 249.0, 10), 1000.0));
        assert!(!meets_goal(&page(As::Anonymous, 900.0, 50), 1000.0));
        assert!(meets_goal(&page(As::Seller, 1.0, 99), 1000.0));
        assert!(!meets_goal(&page(As::Officer, 1.0, 100), 1000.0));
    }
}
