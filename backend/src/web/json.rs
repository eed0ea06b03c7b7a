//! JSON request bodies of the API: objects only, fields a client may not set refused by name,
//! whole numbers also when written as `12.0`.
use serde::Deserialize;
use serde_json::Value;

use crate::domain::refusal::{ErrorCode, Refusal};
use crate::web::error::ApiError;

/// Parses a JSON object body, refusing registry fields by name (except those in `allowed`,
/// such as the certificate a new listing names) before anything else.
pub fn parse_body<T: serde::de::DeserializeOwned>(
    body: &[u8],
    refused: &[&str],
    allowed: &[&str],
) -> Result<T, ApiError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Refusal::new(ErrorCode::InvalidJson).detail(e.to_string()))?;
    let Some(object) = value.as_object() else {
        return Err(ErrorCode::InvalidJson.into());
    };
    if let Some(field) = refused
        .iter()
        .find(|f| object.contains_key(**f) && !allowed.contains(f))
    {
        return Err(Refusal::new(ErrorCode::RegistryField)
            .arg("field", field)
            .into());
    }
    serde_json::from_value(value).map_err(|e| {
        Refusal::new(ErrorCode::InvalidBody)
            .detail(e.to_string())
            .into()
    })
}

/// A required whole number (see [`whole`]).
pub fn whole_required<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64>,
{
    use serde::de::Error;
    whole(deserializer)?.ok_or_else(|| D::Error::custom("expected a whole number, not null"))
}

/// A whole number, also when a client writes it as `12.0` (JSON has one number type).
pub fn whole<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64>,
{
    use serde::de::Error;
    let Some(n) = Option::<serde_json::Number>::deserialize(deserializer)? else {
        return Ok(None);
    };
    let value = match (n.as_i64(), n.as_f64()) {
        (Some(i), _) => i,
        // Every whole float up to 2^53 is exact.
        (None, Some(f)) if f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 => f as i64,
        _ => {
            return Err(D::Error::custom(format!(
                "expected a whole number, not {n}"
            )));
        }
    };
    T::try_from(value)
        .map(Some)
        .map_err(|_| D::Error::custom(format!("{value} is out of range")))
}
