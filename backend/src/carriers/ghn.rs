//! Giao Hàng Nhanh (GHN), Shipping Order API v2
//! (<https://api.ghn.vn/home/docs/detail>): every call is a JSON POST with the headers
//! `Token` (the shop owner's API token) and `ShopId`, answered `{"code": 200, "message": …,
//! "data": …}`; any other code is a refusal with its message. Addresses are sent by name (the
//! 2025 province and commune names), which GHN accepts in place of its own ids.
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    Booking, Carrier, CarrierError, CarrierKind, Label, Meaning, Parcel, Place, StatusUpdate,
};
use crate::domain::money::Vnd;

/// GHN's standard (road) service.
const SERVICE_TYPE: i32 = 2;

pub struct Ghn {
    pub http: reqwest::Client,
    /// `…/shiip/public-api`.
    pub base: String,
    pub token: String,
    pub shop_id: String,
}

#[derive(Deserialize)]
struct Answer {
    code: i64,
    #[serde(default)]
    message: String,
    #[serde(default)]
    data: Value,
}

impl Ghn {
    async fn call(&self, path: &str, body: Value) -> Result<Value, CarrierError> {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Token", &self.token)
            .header("ShopId", &self.shop_id)
            .json(&body)
            .send()
            .await?;
        let status = response.status();
        let answer: Answer = response
            .json()
            .await
            .map_err(|e| CarrierError::Unavailable(format!("GHN answered {status}: {e}")))?;
        if answer.code == 200 {
            Ok(answer.data)
        } else if status.is_server_error() {
            Err(CarrierError::Unavailable(answer.message))
        } else {
            Err(CarrierError::Refused(answer.message))
        }
    }

    fn addresses(from: &Place, to: &Place) -> serde_json::Map<String, Value> {
        let mut fields = serde_json::Map::new();
        for (key, value) in [
            ("from_name", &from.name),
            ("from_phone", &from.phone),
            ("from_address", &from.street),
            ("from_ward_name", &from.commune),
            ("from_province_name", &from.province_name),
            ("to_name", &to.name),
            ("to_phone", &to.phone),
            ("to_address", &to.street),
            ("to_ward_name", &to.commune),
            ("to_province_name", &to.province_name),
        ] {
            fields.insert(key.into(), json!(value));
        }
        fields
    }
}

fn amount(data: &Value, field: &str) -> Result<Vnd, CarrierError> {
    data.get(field)
        .and_then(Value::as_i64)
        .map(Vnd::new)
        .ok_or_else(|| CarrierError::Unavailable(format!("GHN's answer has no {field}")))
}

#[async_trait]
impl Carrier for Ghn {
    fn kind(&self) -> CarrierKind {
        CarrierKind::Ghn
    }

    async fn quote(&self, from: &Place, to: &Place, parcel: &Parcel) -> Result<Vnd, CarrierError> {
        let mut body = Self::addresses(from, to);
        body.insert("service_type_id".into(), json!(SERVICE_TYPE));
        body.insert("weight".into(), json!(parcel.grams));
        body.insert("insurance_value".into(), json!(parcel.value.dong()));
        body.insert("cod_value".into(), json!(parcel.cod.dong()));
        let data = self
            .call("/v2/shipping-order/fee", Value::Object(body))
            .await?;
        amount(&data, "total")
    }

    async fn book(
        &self,
        order_code: &str,
        from: &Place,
        to: &Place,
        parcel: &Parcel,
    ) -> Result<Booking, CarrierError> {
        let mut body = Self::addresses(from, to);
        let items: Vec<_> = parcel
            .items
            .iter()
            .map(|i| {
                json!({
                    "name": i.name, "quantity": i.quantity, "weight": i.grams,
                    "price": i.price.dong(),
                })
            })
            .collect();
        for (key, value) in [
            ("client_order_code", json!(order_code)),
            // The seller pays GHN; the shopper paid the seller's fee at checkout.
            ("payment_type_id", json!(1)),
            ("required_note", json!("CHOXEMHANGKHONGTHU")),
            ("service_type_id", json!(SERVICE_TYPE)),
            ("weight", json!(parcel.grams)),
            ("insurance_value", json!(parcel.value.dong())),
            ("cod_amount", json!(parcel.cod.dong())),
            ("content", json!(format!("OCOP Village {order_code}"))),
            ("items", json!(items)),
        ] {
            body.insert(key.into(), value);
        }
        let data = self
            .call("/v2/shipping-order/create", Value::Object(body))
            .await?;
        let code = data
            .get("order_code")
            .and_then(Value::as_str)
            .ok_or_else(|| CarrierError::Unavailable("GHN's answer has no order_code".into()))?;
        Ok(Booking {
            code: code.to_owned(),
            fee: amount(&data, "total_fee")?,
        })
    }

    async fn cancel(&self, code: &str) -> Result<(), CarrierError> {
        let data = self
            .call("/v2/switch-status/cancel", json!({ "order_codes": [code] }))
            .await?;
        // One result per order code; `result: false` with GHN's reason when it is too late.
        match data.as_array().and_then(|all| all.first()) {
            Some(first) if first.get("result").and_then(Value::as_bool) == Some(false) => {
                Err(CarrierError::Refused(
                    first
                        .get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("GHN refused to cancel")
                        .to_owned(),
                ))
            }
            _ => Ok(()),
        }
    }

    async fn label(&self, code: &str) -> Result<Label, CarrierError> {
        let data = self
            .call("/v2/a5/gen-token", json!({ "order_codes": [code] }))
            .await?;
        let token = data
            .get("token")
            .and_then(Value::as_str)
            .ok_or_else(|| CarrierError::Unavailable("GHN's answer has no token".into()))?;
        // The print page lives beside the API: `…/a5/public-api/printA5?token=…`.
        let origin = self.base.trim_end_matches("/shiip/public-api");
        Ok(Label::Url(format!(
            "{origin}/a5/public-api/printA5?token={token}"
        )))
    }
}

/// GHN's callback: `{"OrderCode": …, "Status": "delivered", "Time": "<RFC 3339>", "Type":
/// "switch_status", "Reason": …, "CODAmount": …}`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Callback {
    order_code: String,
    status: String,
    time: DateTime<Utc>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

/// What a GHN status means for the order.
pub fn meaning(status: &str) -> Meaning {
    match status {
        "picked" => Meaning::PickedUp,
        "storing"
        | "transporting"
        | "sorting"
        | "delivering"
        | "money_collect_delivering"
        | "waiting_to_return"
        | "return"
        | "return_transporting"
        | "return_sorting"
        | "returning" => Meaning::InTransit,
        "delivered" => Meaning::Delivered,
        "delivery_fail" | "return_fail" => Meaning::DeliveryFailed,
        "returned" => Meaning::Returned,
        "cancel" => Meaning::Cancelled,
        _ => Meaning::Other,
    }
}

pub fn read_status(body: &str) -> Result<StatusUpdate, String> {
    let callback: Callback = serde_json::from_str(body).map_err(|e| e.to_string())?;
    let meaning = meaning(&callback.status);
    Ok(StatusUpdate {
        code: callback.order_code,
        status: callback.status,
        meaning,
        at: callback.time,
        note: callback
            .reason
            .filter(|r| !r.is_empty())
            .or(callback.description.filter(|d| !d.is_empty())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callbacks_are_read_with_their_meaning() {
        let update = read_status(
            r#"{"OrderCode":"GHN123","Status":"delivered","Time":"2026-12-03T03:52:50.158Z","Type":"switch_status","CODAmount":150000}"#,
        )
        .expect("a callback");
        assert_eq!(update.code, "GHN123");
        assert_eq!(update.meaning, Meaning::Delivered);
        assert_eq!(update.at.to_rfc3339(), "2026-12-03T03:52:50.158+00:00");
        let failed = read_status(
            r#"{"OrderCode":"GHN123","Status":"returned","Time":"2026-12-03T03:52:50Z","Reason":"Khách không nhận"}"#,
        )
        .expect("a callback");
        assert_eq!(failed.meaning, Meaning::Returned);
        assert_eq!(failed.note.as_deref(), Some("Khách không nhận"));
        assert!(read_status(r#"{"OrderCode":"GHN123"}"#).is_err());
    }
}
