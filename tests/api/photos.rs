//! Photo uploads: a real camera-style JPEG (EXIF orientation and GPS) comes out upright with no
//! metadata; non-images and decompression bombs are refused; photos are ordered and served
//! with immutable cache headers.
use std::io::Write;

use serde_json::{Value, json};

use crate::helpers::{TestApp, csrf, post_form, sample_registry, spawn_app};

/// A plain JPEG, `w`×`h`, with a gradient.
pub fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 255 / w.max(1)) as u8, (y * 255 / h.max(1)) as u8, 120])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .expect("encode");
    out
}

/// An EXIF APP1 segment as a camera writes it: IFD0 with Orientation = `orientation` and a
/// GPS IFD with latitude 21° N (Hà Nội).
fn exif_segment(orientation: u16) -> Vec<u8> {
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"MM\x00\x2a");
    tiff.extend_from_slice(&8u32.to_be_bytes());
    // IFD0: two entries (12 bytes each), then the next-IFD offset.
    let gps_ifd = 8 + 2 + 2 * 12 + 4;
    tiff.extend_from_slice(&2u16.to_be_bytes());
    // Orientation, SHORT, 1 value.
    tiff.extend_from_slice(&0x0112u16.to_be_bytes());
    tiff.extend_from_slice(&3u16.to_be_bytes());
    tiff.extend_from_slice(&1u32.to_be_bytes());
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    // GPSInfo IFD pointer, LONG.
    tiff.extend_from_slice(&0x8825u16.to_be_bytes());
    tiff.extend_from_slice(&4u16.to_be_bytes());
    tiff.extend_from_slice(&1u32.to_be_bytes());
    tiff.extend_from_slice(&(gps_ifd as u32).to_be_bytes());
    tiff.extend_from_slice(&0u32.to_be_bytes());
    // GPS IFD: GPSLatitudeRef "N", GPSLatitude 21/1 0/1 0/1.
    let data = gps_ifd + 2 + 2 * 12 + 4;
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&0x0001u16.to_be_bytes());
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&2u32.to_be_bytes());
    tiff.extend_from_slice(b"N\x00\x00\x00");
    tiff.extend_from_slice(&0x0002u16.to_be_bytes());
    tiff.extend_from_slice(&5u16.to_be_bytes());
    tiff.extend_from_slice(&3u32.to_be_bytes());
    tiff.extend_from_slice(&(data as u32).to_be_bytes());
    tiff.extend_from_slice(&0u32.to_be_bytes());
    for (num, den) in [(21u32, 1u32), (0, 1), (0, 1)] {
        tiff.extend_from_slice(&num.to_be_bytes());
        tiff.extend_from_slice(&den.to_be_bytes());
    }
    let mut segment = vec![0xFF, 0xE1];
    let length = (2 + 6 + tiff.len()) as u16;
    segment.extend_from_slice(&length.to_be_bytes());
    segment.extend_from_slice(b"Exif\x00\x00");
    segment.extend_from_slice(&tiff);
    segment
}

/// A `w`×`h` JPEG as a phone stores a portrait photo: landscape pixels, Orientation 6
/// ("rotate 90° clockwise to view"), and the GPS position.
fn camera_jpeg(w: u32, h: u32) -> Vec<u8> {
    let plain = jpeg(w, h);
    let mut out = plain[..2].to_vec();
    out.extend(exif_segment(6));
    out.extend_from_slice(&plain[2..]);
    out
}

/// A PNG that claims `side`×`side` grey pixels and holds them as a few hundred KB of
/// compressed zeros: a decompression bomb.
fn png_bomb(side: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let row = vec![0u8; side as usize + 1];
    // A slice of the rows is enough to be a valid start; the header is what must stop it.
    for _ in 0..side.min(2_000) {
        z.write_all(&row).expect("deflate");
    }
    chunk(&mut out, b"IDAT", &z.finish().expect("deflate"));
    chunk(&mut out, b"IEND", &[]);
    out
}

fn exif_of(bytes: &[u8]) -> Option<exif::Exif> {
    exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(bytes))
        .ok()
}

async fn seller_with_listing(app: &TestApp) -> (String, String) {
    app.import(sample_registry(), false).await.expect("import");
    let (_, user) = app.signed_in("photo@example.vn").await;
    app.make_member(&user, "2510996049").await;
    let token = ocop_village::features::accounts::tokens::create(&app.db, user.id, "t", app.now)
        .await
        .expect("token");
    let created: Value = app
        .client
        .post(format!("{}/api/v1/seller/listings", app.address))
        .bearer_auth(&token)
        .json(&json!({"certificate_no": "OCOP-TQ-2024-0001", "price_vnd": 99000}))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    (token, created["pid"].as_str().expect("pid").to_owned())
}

pub(crate) async fn upload(app: &TestApp, token: &str, pid: &str, body: Vec<u8>) -> (u16, Value) {
    let response = app
        .client
        .post(format!(
            "{}/api/v1/seller/listings/{pid}/photos",
            app.address
        ))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(body)
        .send()
        .await
        .expect("upload");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_camera_jpeg_comes_out_upright_with_no_metadata() {
    let app = spawn_app().await;
    let (token, pid) = seller_with_listing(&app).await;
    let input = camera_jpeg(1200, 900);
    // The fixture really carries orientation and GPS.
    let exif = exif_of(&input).expect("EXIF in the input");
    assert!(
        exif.get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
            .is_some()
    );
    assert_eq!(
        exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)
            .and_then(|f| f.value.get_uint(0)),
        Some(6)
    );

    let (status, photo) = upload(&app, &token, &pid, input).await;
    assert_eq!(status, 201, "{photo}");
    // Rotated: the 1200×900 landscape pixels are shown as a 900×1200 portrait.
    assert_eq!(
        (photo["width"].as_i64(), photo["height"].as_i64()),
        (Some(900), Some(1200))
    );
    let widths: Vec<i64> = photo["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .map(|v| v["width"].as_i64().expect("width"))
        .collect();
    assert_eq!(widths, [320, 800]);

    let mut urls: Vec<String> = vec![photo["url"].as_str().expect("url").to_owned()];
    urls.extend(
        photo["variants"]
            .as_array()
            .expect("variants")
            .iter()
            .map(|v| v["url"].as_str().expect("url").to_owned()),
    );
    for url in urls {
        let response = app.get(&url).await;
        assert_eq!(response.status().as_u16(), 200, "{url}");
        assert_eq!(response.headers()["content-type"], "image/jpeg");
        assert!(
            response.headers()["cache-control"]
                .to_str()
                .expect("header")
                .contains("immutable")
        );
        let bytes = response.bytes().await.expect("bytes").to_vec();
        assert!(exif_of(&bytes).is_none(), "no EXIF left in {url}");
        assert!(!bytes.windows(4).any(|w| w == b"Exif"), "{url}");
        assert!(
            !bytes.windows(2).any(|w| w == [0xFF, 0xE1]),
            "no APP1 in {url}"
        );
        let decoded = image::load_from_memory(&bytes).expect("a JPEG");
        assert!(decoded.height() > decoded.width(), "portrait: {url}");
    }

    // Once published, search shows the cover's 320 px size.
    let published = app
        .client
        .patch(format!("{}/api/v1/seller/listings/{pid}", app.address))
        .bearer_auth(&token)
        .json(&json!({"state": "published"}))
        .send()
        .await
        .expect("publish");
    assert_eq!(published.status().as_u16(), 200);
    app.wait_for_outbox().await;
    let (_, found) = app.get_json("/api/v1/search?q=cam%20sanh%20loai%201").await;
    let hit = found["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .find(|h| h["certificate_no"] == "OCOP-TQ-2024-0001")
        .expect("the listing is found")
        .clone();
    assert_eq!(hit["thumbnail_url"], photo["variants"][0]["url"]);

    // The product page shows the photo in every size, and shares it.
    let page = app
        .get_html(&format!(
            "/products/{}",
            hit["slug"].as_str().expect("slug")
        ))
        .await;
    let small = photo["variants"][0]["url"].as_str().expect("url");
    assert!(page.contains(&format!("{small} 320w")), "srcset");
    assert!(page.contains("width=\"900\" height=\"1200\""));
    assert!(page.contains("<meta property=\"og:image\""));
    assert!(page.contains("\"image\":["), "JSON-LD image");
}

#[tokio::test]
async fn non_images_bombs_and_oversized_files_are_refused() {
    let app = spawn_app().await;
    let (token, pid) = seller_with_listing(&app).await;

    let (status, body) = upload(&app, &token, &pid, b"%PDF-1.7\nnot a photo".to_vec()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (415, Some("photo_unsupported"))
    );

    let bomb = png_bomb(30_000);
    assert!(bomb.len() < 1_000_000, "a small file: {} bytes", bomb.len());
    let (status, body) = upload(&app, &token, &pid, bomb).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("photo_too_many_pixels"))
    );

    let mut corrupt = jpeg(100, 100);
    corrupt.truncate(300);
    let (status, body) = upload(&app, &token, &pid, corrupt).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("photo_corrupt"))
    );

    let huge = vec![0u8; ocop_village::media::MAX_BYTES + 1];
    let (status, _) = upload(&app, &token, &pid, huge).await;
    assert_eq!(status, 413);
    assert_eq!(app.count("listing_photos", "").await, 0);

    // Through the seller area: a text file named like a photo is judged by its content.
    let (browser, user) = app.signed_in("form@example.vn").await;
    app.make_member(&user, "2510996049").await;
    let token = csrf(&app, &browser, "/seller/apply").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", token.clone())
        .part(
            "photo",
            reqwest::multipart::Part::bytes(b"just text, honest".to_vec())
                .file_name("ca-phe.jpg")
                .mime_str("image/jpeg")
                .expect("mime"),
        );
    let response = browser
        .post(format!("{}/seller/listings/{pid}/photos", app.address))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(response.status().as_u16(), 400);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("Chỉ nhận ảnh JPEG, PNG hoặc WebP")
    );
    assert_eq!(app.count("listing_photos", "").await, 0);
}

#[tokio::test]
async fn photos_upload_through_the_form_and_can_be_reordered_and_removed() {
    let app = spawn_app().await;
    let (_, pid) = seller_with_listing(&app).await;
    let (browser, user) = app.signed_in("order@example.vn").await;
    app.make_member(&user, "2510996049").await;
    let token = csrf(&app, &browser, "/seller/apply").await;
    for (i, size) in [(0, (400, 300)), (1, (500, 300))] {
        let form = reqwest::multipart::Form::new()
            .text("csrf", token.clone())
            .part(
                "photo",
                reqwest::multipart::Part::bytes(jpeg(size.0, size.1))
                    .file_name(format!("anh-{i}.jpg")),
            );
        let response = browser
            .post(format!("{}/seller/listings/{pid}/photos", app.address))
            .multipart(form)
            .send()
            .await
            .expect("upload");
        assert_eq!(response.status().as_u16(), 303, "photo {i}");
    }
    // Without the CSRF token an upload is refused.
    let form = reqwest::multipart::Form::new().text("csrf", "forged").part(
        "photo",
        reqwest::multipart::Part::bytes(jpeg(10, 10)).file_name("x.jpg"),
    );
    let response = browser
        .post(format!("{}/seller/listings/{pid}/photos", app.address))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(response.status().as_u16(), 403);

    let order = |app: &TestApp| {
        let db = app.db.clone();
        async move {
            use ocop_village::db::entities::listing_photo;
            use sea_orm::{EntityTrait, QueryOrder};
            listing_photo::Entity::find()
                .order_by_asc(listing_photo::Column::Position)
                .all(&db)
                .await
                .expect("photos")
                .into_iter()
                .map(|p| (p.id, p.width))
                .collect::<Vec<_>>()
        }
    };
    let before = order(&app).await;
    assert_eq!(before.iter().map(|p| p.1).collect::<Vec<_>>(), [400, 500]);
    let second = before[1].0;
    let response = post_form(
        &app,
        &browser,
        &format!("/seller/listings/{pid}/photos/{second}/move"),
        &[("csrf", &token), ("direction", "up")],
    )
    .await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(
        order(&app).await.iter().map(|p| p.1).collect::<Vec<_>>(),
        [500, 400]
    );

    let page = browser
        .get(format!("{}/seller/listings/{pid}", app.address))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(page.contains("500×300"));
    let response = post_form(
        &app,
        &browser,
        &format!("/seller/listings/{pid}/photos/{second}/delete"),
        &[("csrf", &token)],
    )
    .await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(
        order(&app).await.iter().map(|p| p.1).collect::<Vec<_>>(),
        [400]
    );
}
