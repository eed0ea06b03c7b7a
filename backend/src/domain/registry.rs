//! Value types of the OCOP registry, each parsed once at the edge.
use std::fmt;
use std::str::FromStr;

/// Status of a certificate as the registry publishes it. A certificate marked `active` whose
/// `expires_on` has passed is treated as expired by the catalog's visibility rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CertificateStatus {
    Active,
    Expired,
    Revoked,
}

impl CertificateStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        }
    }
}

impl FromStr for CertificateStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "active" => Ok(Self::Active),
            "expired" => Ok(Self::Expired),
            "revoked" => Ok(Self::Revoked),
            other => Err(format!(
                "unknown status {other:?} (expected active, expired or revoked)"
            )),
        }
    }
}

impl fmt::Display for CertificateStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kinds of OCOP participant (chủ thể) the registry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParticipantType {
    Cooperative,
    CooperativeGroup,
    Enterprise,
    HouseholdBusiness,
}

impl ParticipantType {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Cooperative => "cooperative",
            Self::CooperativeGroup => "cooperative_group",
            Self::Enterprise => "enterprise",
            Self::HouseholdBusiness => "household_business",
        }
    }

    /// Registration numbers: 10 digits (enterprise/tax code) for organisations, 13 digits
    /// (personal tax code + 3-digit suffix) for household businesses.
    const fn registration_digits(self) -> usize {
        match self {
            Self::HouseholdBusiness => 13,
            _ => 10,
        }
    }
}

impl FromStr for ParticipantType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "cooperative" => Ok(Self::Cooperative),
            "cooperative_group" => Ok(Self::CooperativeGroup),
            "enterprise" => Ok(Self::Enterprise),
            "household_business" => Ok(Self::HouseholdBusiness),
            other => Err(format!(
                "unknown participant type {other:?} (expected cooperative, cooperative_group, enterprise or household_business)"
            )),
        }
    }
}

/// OCOP star rating. Only 3, 4 and 5 stars are certified products.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stars(u8);

impl Stars {
    pub const fn get(self) -> u8 {
        self.0
    }
}

impl FromStr for Stars {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().parse::<u8>() {
            Ok(n @ 3..=5) => Ok(Self(n)),
            Ok(n @ 1..=2) => Err(format!(
                "{n} stars is not a certified OCOP product (3 to 5 stars)"
            )),
            _ => Err(format!("stars must be 3, 4 or 5, not {s:?}")),
        }
    }
}

/// A business registration number, digits only; its length depends on the participant type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BusinessRegistrationNo(String);

impl BusinessRegistrationNo {
    pub fn parse(raw: &str, kind: ParticipantType) -> Result<Self, String> {
        let expected = kind.registration_digits();
        if raw.len() == expected && raw.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(format!(
                "malformed business registration number {raw:?}: a {} has {expected} digits",
                kind.as_str().replace('_', " ")
            ))
        }
    }
}

impl AsRef<str> for BusinessRegistrationNo {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A certificate number: printable ASCII letters, digits and `-/._`, 3 to 64 characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CertificateNo(String);

impl CertificateNo {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '.' | '_');
        if (3..=64).contains(&raw.len()) && raw.chars().all(ok_char) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(format!(
                "malformed certificate number {raw:?} (3-64 letters, digits, '-', '/', '.', '_')"
            ))
        }
    }
}

impl AsRef<str> for CertificateNo {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A plausible e-mail address (one `@`, a dotted domain, no spaces). Deliverability is proven
/// by sending a code, not by parsing.
pub fn parse_email(raw: &str) -> Result<String, String> {
    let bad = || format!("malformed e-mail address {raw:?}");
    let (local, domain) = raw.split_once('@').ok_or_else(bad)?;
    let valid = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && raw.len() <= 254
        && !raw.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(raw.to_ascii_lowercase())
    } else {
        Err(bad())
    }
}

/// Fields that come from the OCOP registry: never accepted from a seller.
pub const REGISTRY_FIELDS: [&str; 14] = [
    "title",
    "product_name_vi",
    "product_name_en",
    "stars",
    "group_code",
    "subgroup_code",
    "province_code",
    "commune",
    "certificate_no",
    "recognition_decision_no",
    "recognized_on",
    "expires_on",
    "status",
    "participant",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_accept_only_certified_ratings() {
        for ok in ["3", "4", "5", " 4 "] {
            assert!(ok.parse::<Stars>().is_ok(), "{ok:?} should parse");
        }
        for bad in ["0", "1", "2", "6", "four", "", "3.5", "-3"] {
            assert!(bad.parse::<Stars>().is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn business_numbers_have_the_length_of_their_type() {
        use ParticipantType::*;
        assert!(BusinessRegistrationNo::parse("2510996049", Enterprise).is_ok());
        assert!(BusinessRegistrationNo::parse("8123456789001", HouseholdBusiness).is_ok());
        assert!(BusinessRegistrationNo::parse("8123456789001", Cooperative).is_err());
        assert!(BusinessRegistrationNo::parse("2510996049", HouseholdBusiness).is_err());
        assert!(BusinessRegistrationNo::parse("25109960A9", Enterprise).is_err());
        assert!(BusinessRegistrationNo::parse("", Enterprise).is_err());
    }

    #[test]
    fn certificate_numbers_reject_spaces_and_odd_characters() {
        assert!(CertificateNo::parse("OCOP-TQ-2021-0001").is_ok());
        assert!(CertificateNo::parse("12/QĐ").is_err());
        assert!(CertificateNo::parse("OCOP TQ").is_err());
        assert!(CertificateNo::parse("ab").is_err());
    }

    #[test]
    fn emails_are_checked_and_lower_cased() {
        assert_eq!(
            parse_email("Ban@Example.com").as_deref(),
            Ok("ban@example.com")
        );
        for bad in [
            "no-at.example.com",
            "a@b",
            "a @b.com",
            "@b.com",
            "a@.com",
            "a@b.com.",
        ] {
            assert!(parse_email(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
