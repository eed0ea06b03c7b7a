//! Giao Hàng Tiết Kiệm (GHTK), Shipment API (<https://api.ghtk.vn/docs>): the header `Token`
//! (the shop's API token) and `X-Client-Source` (the partner code) on every call; answers are
//! `{"success": true, …}` or `{"success": false, "message": …}`. Addresses by name (province,
//! ward, street); weights in kilograms on orders, grams on quotes.
use async_trait::async_trait;
use chrono::{DateTime, FixedOffset, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    Booking, Carrier, CarrierError, CarrierKind, Label, Meaning, Parcel, Place, StatusUpdate,
};
use crate::domain::money::Vnd;

pub struct Ghtk {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
    pub partner_code: String,
}

impl Ghtk {
    fn request(&self, builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        builder
            .header("Token", &self.token)
            .header("X-Client-Source", &self.partner_code)
    }

    async fn read(response: reqwest::Response) -> Result<Value, CarrierError> {
        let status = response.status();
        let answer: Value = response
            .json()
            .await
            .map_err(|e| CarrierError::Unavailable(format!("GHTK answered {status}: {e}")))?;
        if answer.get("success").and_then(Value::as_bool) == Some(true) {
            return Ok(answer);
        }
        let message = answer
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("GHTK refused the request")
            .to_owned();
        if status.is_server_error() {
            Err(CarrierError::Unavailable(message))
        } else {
            Err(CarrierError::Refused(message))
        }
    }
}

fn amount(value: Option<&Value>, what: &str) -> Result<Vnd, CarrierError> {
    value
        .and_then(Value::as_i64)
        .map(Vnd::new)
        .ok_or_else(|| CarrierError::Unavailable(format!("GHTK's answer has no {what}")))
}

#[async_trait]
impl Carrier for Ghtk {
    fn kind(&self) -> CarrierKind {
        CarrierKind::Ghtk
    }

    async fn quote(&self, from: &Place, to: &Place, parcel: &Parcel) -> Result<Vnd, CarrierError> {
        let query = [
            ("pick_province", from.province_name.clone()),
            ("pick_ward", from.commune.clone()),
            ("pick_address", from.street.clone()),
            ("province", to.province_name.clone()),
            ("ward", to.commune.clone()),
            ("address", to.street.clone()),
            ("weight", parcel.grams.to_string()),
            ("value", parcel.value.dong().to_string()),
            ("transport", "road".into()),
            ("deliver_option", "none".into()),
        ];
        let response = self
            .request(
                self.http
                    .get(format!("{}/services/shipment/fee", self.base))
                    .query(&query),
            )
            .send()
            .await?;
        let answer = Self::read(response).await?;
        let fee = answer.get("fee");
        if fee.and_then(|f| f.get("delivery")).and_then(Value::as_bool) == Some(false) {
            return Err(CarrierError::Refused(
                "GHTK does not deliver to this address".into(),
            ));
        }
        amount(fee.and_then(|f| f.get("fee")), "fee")
    }

    async fn book(
        &self,
        order_code: &str,
        from: &Place,
        to: &Place,
        parcel: &Parcel,
    ) -> Result<Booking, CarrierError> {
        let products: Vec<_> = parcel
            .items
            .iter()
            .map(|i| {
                json!({
                    "name": i.name, "quantity": i.quantity,
                    "weight": f64::from(i.grams) / 1000.0, "price": i.price.dong(),
                })
            })
            .collect();
        let body = json!({
            "products": products,
            "order": {
                "id": order_code,
                "pick_name": from.name, "pick_tel": from.phone, "pick_address": from.street,
                "pick_ward": from.commune, "pick_province": from.province_name,
                "name": to.name, "tel": to.phone, "address": to.street,
                "ward": to.commune, "province": to.province_name, "hamlet": "Khác",
                // The shopper paid shipping at checkout: the carrier collects goods only.
                "is_freeship": "1",
                "pick_money": parcel.cod.dong(),
                "value": parcel.value.dong(),
                "transport": "road",
            },
        });
        let response = self
            .request(
                self.http
                    .post(format!("{}/services/shipment/order/?ver=1.5", self.base))
                    .json(&body),
            )
            .send()
            .await?;
        let answer = Self::read(response).await?;
        let order = answer.get("order");
        let code = order
            .and_then(|o| o.get("label"))
            .and_then(Value::as_str)
            .ok_or_else(|| CarrierError::Unavailable("GHTK's answer has no label".into()))?;
        Ok(Booking {
            code: code.to_owned(),
            fee: amount(order.and_then(|o| o.get("fee")), "fee")?,
        })
    }

    async fn cancel(&self, code: &str) -> Result<(), CarrierError> {
        let response = self
            .request(
                self.http
                    .post(format!("{}/services/shipment/cancel/{code}", self.base)),
            )
            .send()
            .await?;
        Self::read(response).await.map(|_| ())
    }

    async fn label(&self, code: &str) -> Result<Label, CarrierError> {
        let response = self
            .request(
                self.http
                    .get(format!("{}/services/label/{code}", self.base)),
            )
            .send()
            .await?;
        let is_pdf = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"application/pdf"));
        if is_pdf {
            Ok(Label::Pdf(response.bytes().await?.to_vec()))
        } else {
            Self::read(response).await?;
            Err(CarrierError::Unavailable("GHTK sent no PDF label".into()))
        }
    }
}

/// GHTK's callback: `{"label_id": …, "partner_id": …, "status_id": 5, "action_time":
/// "<RFC 3339 with offset>", "reason_code": …, "reason": …, "pick_money": …}`.
#[derive(Deserialize)]
struct Callback {
    label_id: String,
    status_id: i64,
    action_time: DateTime<FixedOffset>,
    #[serde(default)]
    reason: Option<String>,
}

/// What a GHTK status number means for the order.
pub fn meaning(status_id: i64) -> Meaning {
    match status_id {
        3 | 123 => Meaning::PickedUp,
        4 | 10 | 20 => Meaning::InTransit,
        5 | 45 => Meaning::Delivered,
        6 => Meaning::CodCollected,
        9 | 49 | 410 => Meaning::DeliveryFailed,
        21 => Meaning::Returned,
        -1 => Meaning::Cancelled,
        _ => Meaning::Other,
    }
}

pub fn read_status(body: &str) -> Result<StatusUpdate, String> {
    let callback: Callback = serde_json::from_str(body).map_err(|e| e.to_string())?;
    let meaning = meaning(callback.status_id);
    Ok(StatusUpdate {
        code: callback.label_id,
        status: callback.status_id.to_string(),
        meaning,
        at: callback.action_time.with_timezone(&Utc),
        note: callback.reason.filter(|r| !r.is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callbacks_are_read_with_their_meaning() {
        let update = read_status(
            r#"{"label_id":"S1.A1.17373471","partner_id":"OV-ABCDEFGH-1","status_id":21,"action_time":"2026-12-03T10:18:39+07:00","reason_code":"","reason":"Người nhận từ chối","weight":2.4,"fee":15000,"pick_money":100000}"#,
        )
        .expect("a callback");
        assert_eq!(update.code, "S1.A1.17373471");
        assert_eq!(update.status, "21");
        assert_eq!(update.meaning, Meaning::Returned);
        assert_eq!(update.at.to_rfc3339(), "2026-12-03T03:18:39+00:00");
        assert_eq!(
            read_status(
                r#"{"label_id":"X","status_id":5,"action_time":"2026-12-03T10:18:39+07:00"}"#
            )
            .map(|u| u.meaning),
            Ok(Meaning::Delivered)
        );
        assert!(read_status(r#"{"label_id":"X","status_id":"five"}"#).is_err());
    }
}
