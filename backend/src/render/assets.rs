//! Static files from `storefront/static`, compiled into the binary (read from disk in debug
//! builds). Pages link them by a content-addressed name, `/static/site.3f2a9c1b.css`, served
//! (by `web::assets`) with a one-year immutable cache; a new build changes the name, so nobody
//! keeps a stale file.
use std::borrow::Cow;

use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../storefront/static"]
struct StaticFiles;

pub fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The first 8 hex digits of the file's SHA-256.
fn fingerprint(file: &rust_embed::EmbeddedFile) -> String {
    file.metadata.sha256_hash()[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The versioned URL of a static file: `site.css` → `/static/site.3f2a9c1b.css`. An unknown
/// file keeps its plain URL (and will 404).
pub fn versioned(path: &str) -> String {
    match (StaticFiles::get(path), path.rsplit_once('.')) {
        (Some(file), Some((stem, ext))) => format!("/static/{stem}.{}.{ext}", fingerprint(&file)),
        _ => format!("/static/{path}"),
    }
}

/// `name.{8 hex}.ext` → (`name.ext`, the fingerprint).
fn split_fingerprint(path: &str) -> Option<(String, &str)> {
    let (rest, ext) = path.rsplit_once('.')?;
    let (stem, hash) = rest.rsplit_once('.')?;
    (hash.len() == 8 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| (format!("{stem}.{ext}"), hash))
}

/// A static file asked for by its versioned or plain name: its plain name, its bytes and how
/// long it may be cached. An outdated version is not found.
pub fn lookup(path: &str) -> Option<(String, Cow<'static, [u8]>, &'static str)> {
    match split_fingerprint(path) {
        // A versioned name is immutable; an old version is gone.
        Some((plain, hash)) => StaticFiles::get(&plain)
            .filter(|file| fingerprint(file) == hash)
            .map(|file| (plain, file.data, "public, max-age=31536000, immutable")),
        // The plain name still works, briefly cached, for links from outside.
        None => {
            StaticFiles::get(path).map(|file| (path.to_owned(), file.data, "public, max-age=3600"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versioned_names_carry_the_content_fingerprint() {
        let url = versioned("site.css");
        let name = url.trim_start_matches("/static/");
        let (plain, hash) = split_fingerprint(name).expect("versioned");
        assert_eq!(plain, "site.css");
        let file = StaticFiles::get("site.css").expect("site.css");
        assert_eq!(hash, fingerprint(&file));
        assert_eq!(versioned("missing.css"), "/static/missing.css");
        assert_eq!(split_fingerprint("site.css"), None);
        assert_eq!(split_fingerprint("site.xyz.css"), None);
    }
}
