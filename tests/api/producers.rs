//! Producer pages: the story a seller writes (escaped, in the reader's language), its photos
//! through the photo pipeline, the participant's certificates with their validity, its
//! products and where else they are sold; only the seller's members edit it; a producer with
//! no active seller has no page.
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use ocop_village::db::entities::seller;
use ocop_village::domain::states::SellerState;

use crate::checkout::listing_of;
use crate::helpers::{TestApp, csrf, post_form, sample_registry, seller_of_listing, spawn_app};
use crate::refunds::app_page;

async fn the_seller(app: &TestApp, pid: uuid::Uuid) -> seller::Model {
    seller::Entity::find_by_id(seller_of_listing(app, pid).await)
        .one(&app.db)
        .await
        .expect("query")
        .expect("seller")
}

async fn save_story(
    app: &TestApp,
    client: &reqwest::Client,
    seller_id: ocop_village::domain::ids::SellerId,
    vi: &str,
    en: &str,
) -> (u16, String) {
    let token = csrf(app, client, "/account/login").await;
    let id = seller_id.to_string();
    let response = post_form(
        app,
        client,
        "/seller/producer",
        &[
            ("csrf", token.as_str()),
            ("seller", id.as_str()),
            ("story_vi", vi),
            ("story_en", en),
        ],
    )
    .await;
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

#[tokio::test]
async fn a_producer_page_tells_the_story_and_lists_certificates_and_products() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (browser, pid) =
        listing_of(&app, "tra@example.vn", "2510996049", "OCOP-TQ-2024-0001", 5).await;
    let shop = the_seller(&app, pid).await;

    // Without a story yet, the page says so.
    let page = app.get_html(&format!("/producers/{}", shop.slug)).await;
    assert!(page.contains("chưa kể câu chuyện"), "{page}");

    let (status, body) = save_story(
        &app,
        &browser,
        shop.id,
        "Đồi chè của chúng tôi <script>alert(1)</script>\r\n\r\nĐoạn thứ hai.",
        "Our tea hills.",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Đã lưu câu chuyện"), "{body}");

    let page = app.get_html(&format!("/producers/{}", shop.slug)).await;
    // Two paragraphs, the markup shown as text.
    assert!(
        page.contains("<p>Đồi chè của chúng tôi &lt;script&gt;"),
        "{page}"
    );
    assert!(page.contains("<p>Đoạn thứ hai.</p>"), "{page}");
    assert!(!page.contains("<script>alert(1)"), "{page}");
    // Every certificate of the participant, the listed product, where it is.
    let certificates = ocop_village::db::entities::registry_certificate::Entity::find()
        .filter(
            ocop_village::db::entities::registry_certificate::Column::ParticipantId
                .eq(shop.participant_id),
        )
        .all(&app.db)
        .await
        .expect("query");
    assert!(!certificates.is_empty());
    for c in &certificates {
        assert!(page.contains(&c.certificate_no), "{}", c.certificate_no);
    }
    assert!(page.contains("/verify/OCOP-TQ-2024-0001"), "{page}");
    assert!(page.contains("href=\"/products/"), "{page}");
    // (Handlebars writes the "=" as &#x3D;, which the browser reads back.)
    assert!(page.contains("openstreetmap.org/search?query"), "{page}");
    assert!(page.contains("\"@type\":\"Organization\""), "{page}");
    // In English, the English story.
    let english = app
        .get_html(&format!("/producers/{}?lang=en", shop.slug))
        .await;
    assert!(english.contains("Our tea hills."), "{english}");

    // The product page links to it, and the sitemap lists it.
    let slug = ocop_village::db::entities::listing::Entity::find()
        .filter(ocop_village::db::entities::listing::Column::Pid.eq(pid))
        .one(&app.db)
        .await
        .expect("query")
        .expect("listing")
        .slug;
    let product = app.get_html(&format!("/products/{slug}")).await;
    assert!(
        product.contains(&format!("href=\"/producers/{}\"", shop.slug)),
        "{product}"
    );
    let sitemap = app.get_html("/sitemap.xml").await;
    assert!(sitemap.contains(&format!("/producers/{}</loc>", shop.slug)));

    // A story too long is refused with the limit, and the old one stays.
    let long = "chè ".repeat(1_100);
    let (status, body) = save_story(&app, &browser, shop.id, &long, "").await;
    assert_eq!(status, 400);
    assert!(body.contains("4000"), "{body}");
    let kept = the_seller(&app, pid).await;
    assert!(kept.story_en.as_deref() == Some("Our tea hills."));
}

#[tokio::test]
async fn only_the_sellers_members_edit_its_producer_page_and_photos_go_through_the_pipeline() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    let (owner, pid) =
        listing_of(&app, "tra@example.vn", "2510996049", "OCOP-TQ-2024-0001", 5).await;
    let (other, _) = listing_of(&app, "b@example.vn", "4411348896", "OCOP-VL-2025-0001", 5).await;
    let shop = the_seller(&app, pid).await;

    // Another seller's member cannot write it.
    let (status, _) = save_story(&app, &other, shop.id, "Của tôi", "").await;
    assert!(matches!(status, 403 | 404), "{status}");
    assert!(the_seller(&app, pid).await.story_vi.is_none());

    // A photo: re-encoded, served, shown on the public page; a text file is refused.
    let upload = |client: &reqwest::Client, bytes: Vec<u8>| {
        let client = client.clone();
        let address = app.address.clone();
        let seller = shop.id.to_string();
        async move {
            let token = {
                let page = client
                    .get(format!("{address}/account/login"))
                    .send()
                    .await
                    .expect("page")
                    .text()
                    .await
                    .expect("body");
                let at = page.find("name=\"csrf\" value=\"").expect("csrf") + 19;
                page[at..at + page[at..].find('"').expect("end")].to_owned()
            };
            let form = reqwest::multipart::Form::new()
                .text("csrf", token)
                .text("seller", seller)
                .part(
                    "photo",
                    reqwest::multipart::Part::bytes(bytes).file_name("doi-che.jpg"),
                );
            client
                .post(format!("{address}/seller/producer/photos"))
                .multipart(form)
                .send()
                .await
                .expect("upload")
                .status()
                .as_u16()
        }
    };
    assert_eq!(upload(&owner, crate::photos::jpeg(900, 600)).await, 303);
    assert_eq!(upload(&owner, b"not a photo".to_vec()).await, 400);
    assert!(matches!(
        upload(&other, crate::photos::jpeg(50, 50)).await,
        403 | 404
    ));
    assert_eq!(app.count("producer_photos", "1 = 1").await, 1);
    let page = app.get_html(&format!("/producers/{}", shop.slug)).await;
    let at = page.find("src=\"/media/photos/").expect("the photo") + 5;
    let src = &page[at..at + page[at..].find('"').expect("end")];
    assert!(src.ends_with("/320.jpg"), "the small variant: {src}");
    assert_eq!(app.get(src).await.status().as_u16(), 200);

    // Another seller cannot delete it; its owner can.
    let photo = app.count("producer_photos", "1 = 1").await;
    assert_eq!(photo, 1);
    let id = ocop_village::db::entities::producer_photo::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("photo")
        .id;
    let target = format!("/seller/producer/photos/{id}/delete");
    let token = csrf(&app, &other, "/account/login").await;
    let seller_id = shop.id.to_string();
    let tried = post_form(
        &app,
        &other,
        &target,
        &[("csrf", &token), ("seller", &seller_id)],
    )
    .await;
    assert!(matches!(tried.status().as_u16(), 403 | 404));
    let token = csrf(&app, &owner, "/account/login").await;
    let done = post_form(
        &app,
        &owner,
        &target,
        &[("csrf", &token), ("seller", &seller_id)],
    )
    .await;
    assert_eq!(done.status().as_u16(), 303);
    assert_eq!(app.count("producer_photos", "1 = 1").await, 0);
    let editor = app_page(
        &app,
        &owner,
        &format!("/seller/producer?seller={}", shop.id),
    )
    .await;
    assert!(editor.contains("name=\"story_vi\""), "{editor}");

    // A suspended seller has no page; an unknown one neither.
    let mut suspended: seller::ActiveModel = the_seller(&app, pid).await.into();
    suspended.state = Set(SellerState::Suspended);
    suspended.update(&app.db).await.expect("suspended");
    let gone = app.get(&format!("/producers/{}", shop.slug)).await;
    assert_eq!(gone.status().as_u16(), 404);
    assert_eq!(
        app.get("/producers/no-such-producer")
            .await
            .status()
            .as_u16(),
        404
    );
}
