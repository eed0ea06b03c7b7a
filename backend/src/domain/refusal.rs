//! The one vocabulary of refusals a client can read: every [`ErrorCode`] has its stable code
//! on the wire (`{"error": {"code": …}}`), its HTTP status and the key of its text in the
//! dictionaries (`storefront/i18n/{vi,en}.toml`), so the same refusal reads in Vietnamese or in
//! English. A [`Refusal`] is a code with the values its text names. Nothing here knows about
//! actix: the web layer turns the status number into a response (`web::error::ApiError`),
//! features and the search layer build refusals as they are.
use std::fmt;

use crate::i18n;

macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident => $code:literal, $status:literal, $key:literal;)*) => {
        /// Every refusal the API can answer with.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
        }

        impl ErrorCode {
            /// All codes, for the dictionary check and the API documentation.
            pub const ALL: &'static [ErrorCode] = &[$(Self::$variant,)*];

            /// The stable code clients match on. Several variants may share one (every
            /// "no such thing" is `not_found`) and differ only in their text.
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $code,)* }
            }

            /// The HTTP status it is answered with.
            pub const fn status(self) -> u16 {
                match self { $(Self::$variant => $status,)* }
            }

            /// The key of its text in the dictionaries.
            pub const fn key(self) -> &'static str {
                match self { $(Self::$variant => $key,)* }
            }
        }
    };
}

error_codes! {
    // Requests the server cannot read.
    InvalidJson => "invalid_json", 400, "api_error.invalid_json";
    InvalidBody => "invalid_body", 400, "api_error.invalid_body";
    InvalidQuery => "invalid_query", 400, "api_error.invalid_query";
    InvalidForm => "invalid_form", 400, "api_error.invalid_form";
    InvalidPath => "invalid_path", 400, "api_error.invalid_path";
    /// `{field}`: a registry field in a seller's listing body.
    RegistryField => "registry_field", 400, "api_error.registry_field";
    // Search and listing parameters.
    /// `{max}` characters.
    QueryTooLong => "query_too_long", 400, "api_error.query_too_long";
    /// `{stars}`: what was asked.
    InvalidStars => "invalid_stars", 400, "api_error.invalid_stars";
    InvalidPage => "invalid_page", 400, "api_error.invalid_page";
    /// `{max}` pages.
    PageOutOfRange => "invalid_page", 400, "api_error.page_out_of_range";
    InvalidPerPage => "invalid_per_page", 400, "api_error.invalid_per_page";
    InvalidSort => "invalid_sort", 400, "api_error.invalid_sort";
    UnknownRegion => "unknown_region", 400, "api_error.unknown_region";
    UnknownProvince => "unknown_province", 400, "api_error.unknown_province";
    UnknownGroup => "unknown_group", 400, "api_error.unknown_group";
    InvalidOutlet => "invalid_outlet", 400, "api_error.invalid_outlet";
    InvalidPeriod => "invalid_period", 400, "api_error.invalid_period";
    // Who may do what.
    Unauthorized => "unauthorized", 401, "api_error.unauthorized";
    NotASeller => "not_a_seller", 403, "api_error.not_a_seller";
    NotMember => "forbidden", 403, "errors.selling.not_member";
    /// Creating a listing with an account that belongs to no seller.
    NoSeller => "forbidden", 403, "api_error.not_a_seller";
    SellerIdRequired => "seller_id_required", 400, "api_error.seller_id_required";
    RateLimited => "rate_limited", 429, "api_error.rate_limited";
    // Things that are not there.
    NoSuchEndpoint => "not_found", 404, "api_error.no_such_endpoint";
    NoSuchListing => "not_found", 404, "api_error.no_such_listing";
    NoSuchProvince => "not_found", 404, "api_error.no_such_province";
    NoSuchShow => "not_found", 404, "api_error.no_such_show";
    ProviderNotConfigured => "not_found", 404, "api_error.provider_not_configured";
    /// `{method}`, `{path}`, `{allowed}`.
    MethodNotAllowed => "method_not_allowed", 405, "api_error.method_not_allowed";
    // A seller's listings.
    ForeignCertificate => "foreign_certificate", 403, "errors.selling.foreign_certificate";
    InactiveCertificate => "inactive_certificate", 409, "errors.selling.inactive_certificate";
    AlreadyListed => "already_listed", 409, "errors.selling.already_listed";
    SellerNotActive => "seller_not_active", 409, "errors.selling.seller_not_active";
    DelistedByOfficer => "delisted_by_officer", 409, "errors.selling.delisted_by_officer";
    BadTransition => "bad_transition", 409, "errors.selling.bad_transition";
    PriceRequired => "price_required", 409, "errors.selling.price_required";
    /// `{left}`: the stock the change would leave.
    StockOutOfRange => "stock_out_of_range", 409, "errors.listing.stock_left";
    /// `{max}`.
    TooManyPhotos => "too_many_photos", 409, "errors.selling.too_many_photos";
    InvalidListing => "invalid_listing", 400, "api_error.invalid_listing";
    SizesConflict => "sizes_conflict", 409, "api_error.sizes_conflict";
    InvalidBankAccount => "invalid_bank_account", 400, "api_error.invalid_bank_account";
    PhotoTooLarge => "photo_too_large", 413, "errors.photo.too_large";
    PhotoUnsupported => "photo_unsupported", 415, "errors.photo.unsupported";
    PhotoTooManyPixels => "photo_too_many_pixels", 422, "errors.photo.too_many_pixels";
    PhotoCorrupt => "photo_corrupt", 422, "errors.photo.corrupt";
    // Live shows.
    NotLinked => "not_linked", 409, "api_error.not_linked";
    ShowEnded => "show_ended", 409, "api_error.show_ended";
    InvalidShow => "invalid_show", 400, "api_error.invalid_show";
    // Payment notifications.
    BadPayload => "bad_payload", 400, "api_error.bad_payload";
    BadSignature => "bad_signature", 400, "api_error.bad_signature";
    StaleTimestamp => "stale_timestamp", 400, "api_error.stale_timestamp";
    UnknownParcel => "unknown_parcel", 404, "api_error.unknown_parcel";
    ParcelChanged => "conflict", 409, "api_error.parcel_changed";
    // The server's side.
    Unavailable => "unavailable", 503, "api_error.unavailable";
    Internal => "internal_error", 500, "api_error.internal";
}

/// A refusal: its code, the values its text names, and what exactly was wrong when a parser
/// or a provider said so (not translated: `detail` in the JSON body).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: ErrorCode,
    args: Vec<(&'static str, String)>,
    pub detail: Option<String>,
}

impl Refusal {
    pub fn new(code: ErrorCode) -> Self {
        Self {
            code,
            args: Vec::new(),
            detail: None,
        }
    }

    /// Fills `{name}` in the text.
    pub fn arg(mut self, name: &'static str, value: impl fmt::Display) -> Self {
        self.args.push((name, value.to_string()));
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// The text in the current language.
    pub fn message(&self) -> String {
        let args: Vec<(&str, &dyn fmt::Display)> = self
            .args
            .iter()
            .map(|(name, value)| (*name, value as &dyn fmt::Display))
            .collect();
        i18n::tr_with(self.code.key(), &args)
    }
}

impl From<ErrorCode> for Refusal {
    fn from(code: ErrorCode) -> Self {
        Self::new(code)
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.detail {
            Some(detail) => write!(f, "{} ({detail})", self.message()),
            None => f.write_str(&self.message()),
        }
    }
}

impl std::error::Error for Refusal {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, in_lang};

    #[test]
    fn every_code_reads_in_both_languages() {
        for code in ErrorCode::ALL {
            let vi = in_lang(Lang::Vi, || Refusal::new(*code).message());
            let en = in_lang(Lang::En, || Refusal::new(*code).message());
            assert!(
                !vi.is_empty() && vi != code.key(),
                "{code:?} has no Vietnamese text"
            );
            assert!(
                !en.is_empty() && en != code.key(),
                "{code:?} has no English text"
            );
            assert_ne!(vi, en, "{code:?} is not translated");
        }
    }

    #[test]
    fn codes_are_stable_snake_case_with_a_client_or_server_status() {
        for code in ErrorCode::ALL {
            let wire = code.as_str();
            assert!(
                wire.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{wire}"
            );
            assert!((400..600).contains(&code.status()), "{code:?}");
        }
        // Every "no such thing" answers the same code and status.
        for code in [ErrorCode::NoSuchListing, ErrorCode::NoSuchShow] {
            assert_eq!((code.as_str(), code.status()), ("not_found", 404));
        }
    }

    #[test]
    fn the_text_names_its_values_and_the_detail_follows() {
        let refusal = Refusal::new(ErrorCode::UnknownProvince)
            .arg("name", "Atlantis")
            .detail("x");
        let en = in_lang(Lang::En, || refusal.to_string());
        assert!(en.contains("Atlantis") && en.ends_with(" (x)"), "{en}");
        let vi = in_lang(Lang::Vi, || refusal.message());
        assert!(vi.contains("Atlantis") && !vi.contains("{name}"), "{vi}");
    }
}
