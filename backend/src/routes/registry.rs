//! `/verify/{certificate_no}`: the public page a shopper reaches by scanning the QR code on a
//! package. It says plainly whether the certificate is valid, expired, revoked or unknown.
use actix_web::HttpResponse;
use actix_web::get;
use actix_web::web;
use sea_orm::ColumnTrait;
use sea_orm::EntityTrait;
use sea_orm::QueryFilter;
use serde_json::json;

use crate::app::AppState;
use crate::db::entities::registry_certificate;
use crate::db::entities::registry_participant;
use crate::domain::registry::CertificateStatus;
use crate::features::catalog::queries;
use crate::i18n::pick;
use crate::i18n::tr;
use crate::i18n::tr_with;
use crate::render::render;
use crate::web::error::PageError;

/// What the page concludes about a certificate on `today`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Valid,
    Expired,
    Revoked,
}

impl Verdict {
    pub fn of(certificate: &registry_certificate::Model, today: chrono::NaiveDate) -> Self {
        match certificate.status.parse::<CertificateStatus>() {
            Ok(CertificateStatus::Revoked) => Self::Revoked,
            Ok(CertificateStatus::Active) if certificate.expires_on > today => Self::Valid,
            _ => Self::Expired,
        }
    }
}

#[get("/verify/{certificate_no}")]
pub async fn verify_certificate(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let requested = path.into_inner();
    let number = requested.trim().to_uppercase();
    let certificate = registry_certificate::Entity::find()
        .filter(registry_certificate::Column::CertificateNo.eq(number.as_str()))
        .one(&state.db)
        .await?;
    let Some(certificate) = certificate else {
        let body = render(
            "pages/verify",
            &json!({
                "title": tr("verify.not_found_title"),
                "found": false,
                "requested": requested,
            }),
        )?;
        return Ok(HttpResponse::NotFound()
            .content_type("text/html; charset=utf-8")
            .body(body));
    };
    let today = state.clock.today();
    let participant = registry_participant::Entity::find_by_id(certificate.participant_id)
        .one(&state.db)
        .await?;
    let listing_slug =
        queries::visible_slug_for_certificate(&state.db, today, certificate.id).await?;
    let expires = certificate.expires_on.format("%d/%m/%Y").to_string();
    let verdict = match Verdict::of(&certificate, today) {
        Verdict::Valid => "valid",
        Verdict::Expired => "expired",
        Verdict::Revoked => "revoked",
    };
    let title = tr(&format!("verify.{verdict}_title"));
    let detail = tr_with(&format!("verify.{verdict}_detail"), &[("date", &expires)]);
    let province_name = state
        .reference
        .province(&certificate.province_code)
        .map_or(certificate.province_code.clone(), |p| {
            pick(&p.name_vi, &p.name_en).to_owned()
        });
    let body = render(
        "pages/verify",
        &json!({
            "title": tr_with(
                "verify.title",
                &[("verdict", &title), ("no", &certificate.certificate_no)],
            ),
            "found": true,
            "verdict": verdict,
            "verdict_title": title,
            "verdict_detail": detail,
            "certificate": certificate,
            "participant_name": participant.map(|p| p.name).unwrap_or_default(),
            "province_name": province_name,
            "listing_slug": listing_slug,
        }),
    )?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body))
}
