//! The role/scope matrix over every route, table-driven: nine principals (a guest, a shopper,
//! members of sellers A and B, staff of outlets X and Y, officers of A's and B's provinces, an
//! administrator) call each route with a well-formed request (forms carry the browser's CSRF
//! token; API calls the principal's bearer token), and each is either let through (any answer
//! but 401, 403, 404 or a redirect to sign in; a 400 for a harmless bad value means the checks
//! passed) or refused (401 or a sign-in redirect for the guest, 403 or 404 for the others).
//! Destructive calls come last in the table, and the allowed principals go last on each row.
use std::collections::HashMap;

use ocop_village::db::entities::{live_show, order, user};
use ocop_village::features::accounts::auth::{Role, grant};
use reqwest::Method;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

use crate::checkout::{address, cart_with, listing_of, place_cod};
use crate::helpers::{TestApp, browser, csrf, sample_registry, spawn_app};

const PRINCIPALS: [&str; 9] = [
    "guest",
    "shopper",
    "seller_a",
    "seller_b",
    "staff_x",
    "staff_y",
    "officer_a",
    "officer_b",
    "admin",
];

#[derive(Clone, Copy, Debug)]
enum Who {
    Everyone,
    SignedIn,
    Only(&'static [&'static str]),
}

impl Who {
    fn allows(self, principal: &str) -> bool {
        match self {
            Self::Everyone => true,
            Self::SignedIn => principal != "guest",
            Self::Only(list) => list.contains(&principal),
        }
    }
}

enum Body {
    None,
    Form(Vec<(&'static str, String)>),
    Json(Value),
    Photo(Vec<(&'static str, String)>),
}

struct Route {
    method: Method,
    path: String,
    body: Body,
    who: Who,
    /// Called with the principal's bearer token instead of its session.
    api: bool,
}

fn get(path: impl Into<String>, who: Who) -> Route {
    Route {
        method: Method::GET,
        path: path.into(),
        body: Body::None,
        who,
        api: false,
    }
}

fn post(path: impl Into<String>, fields: Vec<(&'static str, String)>, who: Who) -> Route {
    Route {
        method: Method::POST,
        path: path.into(),
        body: Body::Form(fields),
        who,
        api: false,
    }
}

fn api(method: Method, path: impl Into<String>, body: Body, who: Who) -> Route {
    Route {
        method,
        path: path.into(),
        body,
        who,
        api: true,
    }
}

struct Principal {
    client: reqwest::Client,
    token: Option<String>,
}

async fn principal(app: &TestApp, email: &str) -> (Principal, user::Model) {
    let (client, user) = app.signed_in(email).await;
    let token =
        ocop_village::features::accounts::tokens::create(&app.db, user.id, "matrix", app.now)
            .await
            .expect("token");
    (
        Principal {
            client,
            token: Some(token),
        },
        user,
    )
}

async fn call(app: &TestApp, who: &Principal, route: &Route) -> (u16, String) {
    let url = format!("{}{}", app.address, route.path);
    let mut request = who.client.request(route.method.clone(), &url);
    if route.api
        && let Some(token) = &who.token
    {
        request = request.bearer_auth(token);
    }
    let needs_csrf = matches!(route.body, Body::Form(_) | Body::Photo(_));
    let token = if needs_csrf {
        csrf(app, &who.client, "/account/login").await
    } else {
        String::new()
    };
    request = match &route.body {
        Body::None => request,
        Body::Json(value) => request.json(value),
        Body::Form(fields) => {
            let mut form: Vec<(&str, &str)> = vec![("csrf", &token)];
            form.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
            request.form(&form)
        }
        Body::Photo(fields) => {
            let mut form = reqwest::multipart::Form::new().text("csrf", token.clone());
            for (k, v) in fields {
                form = form.text(*k, v.clone());
            }
            request.multipart(form.part(
                "photo",
                reqwest::multipart::Part::bytes(b"not a picture".to_vec()).file_name("x.jpg"),
            ))
        }
    };
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, location)
}

fn let_through(status: u16, location: &str) -> bool {
    let to_sign_in = status == 303 && location.starts_with("/account/login");
    !(matches!(status, 401 | 403 | 404) || to_sign_in)
}

fn refused(principal: &str, status: u16, location: &str) -> bool {
    match principal {
        "guest" => {
            status == 401
                || status == 403
                || status == 404
                || (status == 303 && location.starts_with("/account/login"))
        }
        _ => status == 403 || status == 404,
    }
}

#[tokio::test]
async fn every_route_lets_through_exactly_the_principals_its_scope_names() {
    let app = spawn_app().await;
    app.import(sample_registry(), false).await.expect("import");
    // Seller A in Tuyên Quang, seller B in Vĩnh Long, each with a listing.
    let (_, la) = listing_of(&app, "a@example.vn", "2510996049", "OCOP-TQ-2024-0001", 20).await;
    let (_, lb) = listing_of(&app, "b@example.vn", "4411348896", "OCOP-VL-2025-0001", 20).await;
    let seller_a = crate::helpers::seller_of_listing(&app, la).await;
    let province_a = "tuyen-quang";
    let mut people: HashMap<&str, Principal> = HashMap::new();
    people.insert(
        "guest",
        Principal {
            client: browser(),
            token: None,
        },
    );
    let (shopper, shopper_user) = principal(&app, "shopper@example.vn").await;
    people.insert("shopper", shopper);
    for (name, email, registration_no) in [
        ("seller_a", "ma@example.vn", "2510996049"),
        ("seller_b", "mb@example.vn", "4411348896"),
    ] {
        let (p, u) = principal(&app, email).await;
        app.make_member(&u, registration_no).await;
        people.insert(name, p);
    }
    let mut outlets = Vec::new();
    for (name, slug, email) in [
        ("staff_x", "ocop-x", "x@example.vn"),
        ("staff_y", "ocop-y", "y@example.vn"),
    ] {
        let shop = ocop_village::features::outlets::create(
            &app.db,
            None,
            &app.reference,
            slug,
            province_a,
            "Điểm bán OCOP thử",
            app.now,
        )
        .await
        .expect("outlet");
        let (p, u) = principal(&app, email).await;
        grant(
            &app.db,
            u.id,
            Role::OutletStaff,
            None,
            Some(shop.id),
            None,
            app.now,
        )
        .await
        .expect("staff");
        people.insert(name, p);
        outlets.push(shop);
    }
    for (name, email, province) in [
        ("officer_a", "oa@example.vn", "tuyen-quang"),
        ("officer_b", "ob@example.vn", "vinh-long"),
    ] {
        let (p, u) = principal(&app, email).await;
        app.make_officer(&u, province).await;
        people.insert(name, p);
    }
    let (admin, admin_user) = principal(&app, "admin@example.vn").await;
    let mut appointed: user::ActiveModel = admin_user.into();
    appointed.is_admin = Set(true);
    appointed.update(&app.db).await.expect("admin");
    people.insert("admin", admin);

    // A's order, live show (with its share link) and a photo; the shopper's API token.
    let cart = cart_with(&app, la, 1).await;
    let placed = place_cod(&app.db, cart, &address(&app), "matrix-order", app.now)
        .await
        .expect("placed");
    let order_a = order::Entity::find()
        .filter(order::Column::CheckoutId.eq(placed.id))
        .one(&app.db)
        .await
        .expect("query")
        .expect("order")
        .pid;
    // A return the shopper asked on A's order (still open for the seller).
    let return_a = {
        use ocop_village::db::entities::return_request;
        let o = order::Entity::find()
            .filter(order::Column::Pid.eq(order_a))
            .one(&app.db)
            .await
            .expect("query")
            .expect("order");
        return_request::ActiveModel {
            pid: Set(uuid::Uuid::new_v4()),
            code: Set("THMATRIX1".into()),
            order_id: Set(o.id),
            state: Set(ocop_village::domain::states::ReturnState::Requested),
            reason: Set("vỡ".into()),
            amount_vnd: Set(ocop_village::domain::money::Vnd::new(50_000)),
            created_at: Set(app.now),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .expect("a return")
        .pid
    };
    let tracking = placed.tracking_token.to_string();
    // A review of A's product (written directly: the order is not delivered).
    let (item_a, review_a) = {
        use ocop_village::db::entities::{order_item, review};
        let o = order::Entity::find()
            .filter(order::Column::Pid.eq(order_a))
            .one(&app.db)
            .await
            .expect("query")
            .expect("order");
        let line = order_item::Entity::find()
            .filter(order_item::Column::OrderId.eq(o.id))
            .one(&app.db)
            .await
            .expect("query")
            .expect("line");
        let written = review::ActiveModel {
            pid: Set(uuid::Uuid::new_v4()),
            listing_id: Set(line.listing_id),
            order_item_id: Set(line.id),
            rating: Set(4),
            body: Set("ngon".into()),
            author_name: Set("Lan N.".into()),
            hidden: Set(false),
            created_at: Set(app.now),
            updated_at: Set(app.now),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .expect("a review");
        (line.id, written.pid)
    };
    // A quality report on A's product, open in Tuyên Quang's queue.
    let report_a = {
        use ocop_village::db::entities::quality_report;
        use ocop_village::domain::states::{QualityKind, QualityState};
        let l = ocop_village::db::entities::listing::Entity::find()
            .filter(ocop_village::db::entities::listing::Column::Pid.eq(la))
            .one(&app.db)
            .await
            .expect("query")
            .expect("listing");
        quality_report::ActiveModel {
            pid: Set(uuid::Uuid::new_v4()),
            listing_id: Set(l.id),
            province_code: Set(province_a.into()),
            kind: Set(QualityKind::Label),
            body: Set("nhãn sai khối lượng".into()),
            reporter_name: Set("Lan N.".into()),
            state: Set(QualityState::Open),
            created_at: Set(app.now),
            updated_at: Set(app.now),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .expect("a report")
        .pid
    };
    // A channel declared by A, waiting in Tuyên Quang's queue.
    let channel_a = {
        let shop = ocop_village::db::entities::seller::Entity::find_by_id(seller_a)
            .one(&app.db)
            .await
            .expect("query")
            .expect("seller");
        let member = user::Entity::find()
            .filter(user::Column::Email.eq("ma@example.vn"))
            .one(&app.db)
            .await
            .expect("query")
            .expect("member");
        ocop_village::features::sales::channels::declare(
            &app.db,
            member.id,
            &shop,
            ocop_village::features::sales::channels::Declaration {
                kind: "supermarket_chain",
                channel_name: "Co.opmart",
                since: "2025-01-01",
                evidence_url: "https://www.co-opmart.com.vn/",
                document: None,
            },
            app.now.date_naive(),
            app.now,
        )
        .await
        .expect("declared")
        .pid
    };
    let producer_a = ocop_village::db::entities::seller::Entity::find_by_id(seller_a)
        .one(&app.db)
        .await
        .expect("query")
        .expect("seller")
        .slug;
    let a_principal = {
        let u = user::Entity::find()
            .filter(user::Column::Email.eq("ma@example.vn"))
            .one(&app.db)
            .await
            .expect("query")
            .expect("member");
        app.principal(&u).await
    };
    let show = ocop_village::features::live::create_show(
        &app.db,
        &a_principal,
        seller_a,
        &ocop_village::features::live::ShowInput {
            title: "Trà đêm".into(),
            platform: "tiktok".into(),
            stream_url: "https://www.tiktok.com/@htx/live".into(),
            scheduled_at: app.now,
        },
        app.now,
    )
    .await
    .expect("show");
    let item = ocop_village::features::live::link_listing(&app.db, &a_principal, show.pid, la)
        .await
        .expect("linked");
    let show_id = live_show::Entity::find_by_id(show.id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("show")
        .id;
    let photo = {
        let token = people["seller_a"].token.clone().expect("token");
        let response = app
            .client
            .post(format!(
                "{}/api/v1/seller/listings/{la}/photos",
                app.address
            ))
            .bearer_auth(token)
            .header("content-type", "application/octet-stream")
            .body(crate::photos::jpeg(40, 30))
            .send()
            .await
            .expect("upload");
        assert_eq!(response.status().as_u16(), 201, "the fixture photo");
        let body: Value = response.json().await.expect("JSON");
        body["id"].as_i64().expect("photo id")
    };
    ocop_village::features::accounts::tokens::create(
        &app.db,
        shopper_user.id,
        "to revoke",
        app.now,
    )
    .await
    .expect("token");
    let shopper_token_id = ocop_village::features::accounts::tokens::list(&app.db, shopper_user.id)
        .await
        .expect("tokens")
        .into_iter()
        .find(|t| t.name == "to revoke")
        .expect("the token")
        .id;
    app.wait_for_outbox().await;
    let (_, found) = app.get_json("/api/v1/search?q=OCOP-TQ-2024-0001").await;
    let slug_a = found["hits"][0]["slug"]
        .as_str()
        .expect("A's product is found")
        .to_owned();
    let (x, y) = (outlets[0].id, outlets[1].id);

    use Who::*;
    const SELLER_A: Who = Only(&["seller_a"]);
    const OUTLET_X: Who = Only(&["staff_x", "admin"]);
    const OFFICERS: Who = Only(&["officer_a", "officer_b", "admin"]);
    const OFFICER_A: Who = Only(&["officer_a", "admin"]);
    const ADMIN: Who = Only(&["admin"]);
    const SELLERS: Who = Only(&["seller_a", "seller_b"]);
    let s = |v: &str| v.to_owned();
    let routes: Vec<Route> = vec![
        // Public pages and API.
        get("/", Everyone),
        get("/search?q=tra", Everyone),
        get(format!("/products/{slug_a}"), Everyone),
        get(format!("/producers/{producer_a}"), Everyone),
        get("/provinces", Everyone),
        get(format!("/provinces/{province_a}"), Everyone),
        get("/regions/northern-midlands-mountains", Everyone),
        get("/verify/OCOP-TQ-2024-0001", Everyone),
        get("/outlets/ocop-x", Everyone),
        get(format!("/live/{show_id}"), Everyone),
        get(format!("/l/{}", item.code), Everyone),
        get("/indicators/modern-trade", Everyone),
        get("/indicators/modern-trade.csv", Everyone),
        get("/cart", Everyone),
        get(
            format!("/orders/{}?t={}", placed.reference, placed.tracking_token),
            Everyone,
        ),
        get("/robots.txt", Everyone),
        get("/sitemap.xml", Everyone),
        get("/account/login", Everyone),
        get("/account/signup", Everyone),
        get("/account/password/forgot", Everyone),
        get("/api/openapi.json", Everyone),
        get("/api/v1/provinces", Everyone),
        get("/api/v1/listings", Everyone),
        get("/api/v1/search?q=tra", Everyone),
        get("/api/v1/suggest?q=tra", Everyone),
        get("/api/v1/indicators/modern-trade", Everyone),
        get("/healthz", Everyone),
        get("/readyz", Everyone),
        // Any signed-in account.
        get("/account", SignedIn),
        get("/account/orders", SignedIn),
        get("/seller/apply", SignedIn),
        post("/account/tokens", vec![("name", s(""))], SignedIn),
        // Seller A's listing, photos, orders, bank account, live show and sales.
        get(format!("/seller/listings/{la}"), SELLER_A),
        post(
            format!("/seller/listings/{la}"),
            vec![
                ("price_vnd", s("not a price")),
                ("stock", s("1")),
                ("unit", s("hộp")),
                ("weight_grams", s("100")),
                ("description_vi", s("")),
                ("description_en", s("")),
            ],
            SELLER_A,
        ),
        post(
            format!("/seller/listings/{la}/state"),
            vec![("state", s("no-such-state"))],
            SELLER_A,
        ),
        Route {
            method: Method::POST,
            path: format!("/seller/listings/{la}/photos"),
            body: Body::Photo(vec![]),
            who: SELLER_A,
            api: false,
        },
        post(
            format!("/seller/listings/{la}/photos/{photo}/move"),
            vec![("direction", s("sideways"))],
            SELLER_A,
        ),
        get(
            format!("/seller/listings/new?seller={seller_a}&certificate=OCOP-TQ-2025-0001"),
            SELLER_A,
        ),
        post(
            "/seller/listings/new",
            vec![
                ("seller_id", seller_a.to_string()),
                ("certificate_no", s("OCOP-TQ-2025-0001")),
                ("price_vnd", s("not a price")),
                ("stock", s("1")),
                ("unit", s("hộp")),
                ("weight_grams", s("100")),
                ("description_vi", s("")),
                ("description_en", s("")),
            ],
            SELLER_A,
        ),
        get(format!("/seller/orders?seller={seller_a}"), SELLER_A),
        get(format!("/seller/orders/{order_a}"), SELLER_A),
        post(
            format!("/seller/orders/{order_a}/step"),
            vec![("step", s("no-such-step"))],
            SELLER_A,
        ),
        // Confirming a transfer: the seller, the province's officer or an administrator (a
        // cash order has none: 400 once let through).
        post(
            format!("/seller/orders/{order_a}/paid"),
            vec![],
            Only(&["seller_a", "officer_a", "admin"]),
        ),
        get(format!("/seller/bank?seller={seller_a}"), SELLER_A),
        get(format!("/seller/statement?seller={seller_a}"), SELLER_A),
        get(format!("/seller/statement.csv?seller={seller_a}"), SELLER_A),
        get("/admin/settlements", ADMIN),
        // A month not over: 409 once let through.
        post("/admin/settlements", vec![("period", s("2999-01"))], ADMIN),
        get("/admin/settlements/2025-10/payouts.csv", ADMIN),
        get("/admin/withholding?period=2025-10", ADMIN),
        // Vouchers: a seller's, an outlet's, the programme's (an empty code: 400 once let
        // through); a code in anyone's cart (no cart yet: back to it).
        get(format!("/seller/vouchers?seller={seller_a}"), SELLER_A),
        post(
            "/seller/vouchers",
            vec![("seller", seller_a.to_string()), ("code", s(""))],
            SELLER_A,
        ),
        get(format!("/outlet/vouchers?outlet={x}"), OUTLET_X),
        post(
            "/outlet/vouchers",
            vec![("outlet", x.to_string()), ("code", s(""))],
            OUTLET_X,
        ),
        get("/admin/vouchers", ADMIN),
        post("/admin/vouchers", vec![("code", s(""))], ADMIN),
        post("/cart/voucher", vec![("code", s("KHONGCO"))], Everyone),
        // Gift combos: anyone browses them and puts one in a cart (an unknown one: 400); a
        // seller's and an outlet's desks (not a picture: 400 once let through).
        get("/combos?stars=4", Everyone),
        post(
            "/cart/combos",
            vec![("combo", s("khong-co")), ("quantity", s("1"))],
            Everyone,
        ),
        post(
            "/cart/combos/update",
            vec![("combo", s("1")), ("quantity", s("0"))],
            Everyone,
        ),
        get(format!("/seller/combos?seller={seller_a}"), SELLER_A),
        Route {
            method: Method::POST,
            path: "/seller/combos".into(),
            body: Body::Photo(vec![("seller", seller_a.to_string())]),
            who: SELLER_A,
            api: false,
        },
        get(format!("/outlet/combos?outlet={x}"), OUTLET_X),
        Route {
            method: Method::POST,
            path: "/outlet/combos".into(),
            body: Body::Photo(vec![("outlet", x.to_string())]),
            who: OUTLET_X,
            api: false,
        },
        get("/admin/withholding.csv?period=2025-10", ADMIN),
        post(
            "/seller/bank",
            vec![
                ("seller", seller_a.to_string()),
                ("bank_bin", s("1")),
                ("account_no", s("x")),
                ("account_name", s("")),
            ],
            SELLER_A,
        ),
        get(format!("/seller/shipping?seller={seller_a}"), SELLER_A),
        post(
            "/seller/shipping",
            vec![("seller", seller_a.to_string()), ("carrier", s("pigeon"))],
            SELLER_A,
        ),
        // No invoice asked for: 409 once let through.
        post(
            format!("/seller/orders/{order_a}/invoice"),
            vec![
                ("number", s("1")),
                ("link", s("https://hoadon.example.vn/1")),
            ],
            SELLER_A,
        ),
        // Not confirmed, not booked: 409 once let through.
        post(format!("/seller/orders/{order_a}/book"), vec![], SELLER_A),
        // Unpaid: nothing to refund (409 once let through).
        post(
            format!("/seller/orders/{order_a}/refunds"),
            vec![("key", s("route-matrix-refund")), ("reason", s("x"))],
            SELLER_A,
        ),
        get(format!("/seller/orders/{order_a}/label"), SELLER_A),
        get(format!("/seller/live?seller={seller_a}"), SELLER_A),
        post(
            "/seller/live",
            vec![
                ("seller", seller_a.to_string()),
                ("title", s("x")),
                ("platform", s("tiktok")),
                ("stream_url", s("javascript:alert(1)")),
                ("scheduled_at", s("")),
            ],
            SELLER_A,
        ),
        get(format!("/seller/live/{}", show.pid), SELLER_A),
        post(
            format!("/seller/live/{}/items", show.pid),
            vec![("listing", lb.to_string())],
            SELLER_A,
        ),
        post(
            format!("/seller/live/{}/pin", show.pid),
            vec![("listing", lb.to_string())],
            SELLER_A,
        ),
        post(
            format!("/seller/live/{}/state", show.pid),
            vec![("state", s("no-such-state"))],
            SELLER_A,
        ),
        get(format!("/seller/sales?seller={seller_a}"), SELLER_A),
        get(format!("/seller/producer?seller={seller_a}"), SELLER_A),
        post(
            "/seller/producer",
            vec![
                ("seller", seller_a.to_string()),
                ("story_vi", s("Câu chuyện")),
                ("story_en", s("")),
            ],
            SELLER_A,
        ),
        // Not a picture: 400 once let through.
        Route {
            method: Method::POST,
            path: "/seller/producer/photos".into(),
            body: Body::Photo(vec![("seller", seller_a.to_string())]),
            who: SELLER_A,
            api: false,
        },
        get(format!("/seller/sales.csv?seller={seller_a}"), SELLER_A),
        // The seller API.
        api(Method::GET, "/api/v1/seller/listings", Body::None, SELLERS),
        api(
            Method::GET,
            "/api/v1/seller/certificates",
            Body::None,
            SELLERS,
        ),
        api(
            Method::GET,
            format!("/api/v1/seller/listings/{la}"),
            Body::None,
            SELLER_A,
        ),
        api(
            Method::PATCH,
            format!("/api/v1/seller/listings/{la}"),
            Body::Json(json!({ "price_vnd": -1 })),
            SELLER_A,
        ),
        api(
            Method::POST,
            "/api/v1/seller/listings",
            Body::Json(
                json!({ "seller_id": seller_a, "certificate_no": "OCOP-TQ-2025-0001", "price_vnd": -1 }),
            ),
            SELLER_A,
        ),
        api(
            Method::POST,
            format!("/api/v1/seller/live/{}/pin", show.pid),
            Body::Json(json!({ "listing": lb })),
            SELLER_A,
        ),
        // Outlet X's counter.
        get(format!("/outlet?outlet={x}"), OUTLET_X),
        post(
            "/outlet/profile",
            vec![
                ("outlet", x.to_string()),
                ("tagline", s("")),
                ("address", s("")),
                ("opening_hours", s("")),
                ("map_url", s("")),
                ("color", s("red")),
            ],
            OUTLET_X,
        ),
        post(
            "/outlet/carry",
            vec![("outlet", x.to_string()), ("listing", lb.to_string())],
            OUTLET_X,
        ),
        post(
            "/outlet/stock",
            vec![
                ("outlet", x.to_string()),
                ("listing", lb.to_string()),
                ("stock", s("1")),
            ],
            OUTLET_X,
        ),
        post(
            "/outlet/uncarry",
            vec![("outlet", x.to_string()), ("listing", lb.to_string())],
            OUTLET_X,
        ),
        post(
            "/outlet/sale",
            vec![
                ("outlet", x.to_string()),
                ("listing", lb.to_string()),
                ("quantity", s("1")),
                ("unit_price_vnd", s("1000")),
                ("payment", s("cash")),
                ("idempotency_key", uuid::Uuid::new_v4().to_string()),
            ],
            OUTLET_X,
        ),
        Route {
            method: Method::POST,
            path: "/outlet/images".into(),
            body: Body::Photo(vec![("outlet", x.to_string()), ("kind", s("logo"))]),
            who: OUTLET_X,
            api: false,
        },
        get(format!("/outlet?outlet={y}"), Only(&["staff_y", "admin"])),
        // Returns: the shopper's (whoever holds the tracking link; the order is not delivered,
        // so 400 or 409 once let through), the seller's decision (a refusal without its
        // reason: 400), the officers' disputes (not disputed: 409 for A's province's).
        Route {
            method: Method::POST,
            path: format!("/orders/{}/returns", placed.reference),
            body: Body::Photo(vec![("t", tracking.clone()), ("order", s("x"))]),
            who: Everyone,
            api: false,
        },
        post(
            format!("/orders/{}/returns/{return_a}/dispute", placed.reference),
            vec![("t", tracking.clone()), ("reason", s("không đồng ý"))],
            Everyone,
        ),
        post(
            format!("/seller/orders/{order_a}/returns/{return_a}"),
            vec![("decision", s("refuse")), ("reason", s(""))],
            SELLER_A,
        ),
        get("/officer/returns", OFFICERS),
        // Reviews: the buyer's form (whoever holds the link; not a picture: 400), the seller's
        // list and reply, a report (signed in), the officers' queue and decision (keep).
        Route {
            method: Method::POST,
            path: format!("/orders/{}/reviews", placed.reference),
            body: Body::Photo(vec![
                ("t", tracking.clone()),
                ("item", item_a.to_string()),
                ("rating", s("5")),
                ("body", s("x")),
            ]),
            who: Everyone,
            api: false,
        },
        get(format!("/seller/reviews?seller={seller_a}"), SELLER_A),
        post(
            format!("/reviews/{review_a}/report"),
            vec![("reason", s("quảng cáo"))],
            SignedIn,
        ),
        get("/officer/reviews", OFFICERS),
        post(
            format!("/officer/reviews/{review_a}"),
            vec![("decision", s("keep"))],
            OFFICER_A,
        ),
        post(
            format!("/seller/reviews/{review_a}/reply"),
            vec![("seller", seller_a.to_string()), ("reply", s("cảm ơn"))],
            SELLER_A,
        ),
        // Quality reports: filing one (signed in; a too short text: 400), one's own list, the
        // officers' queue and decision (no text: 400), the seller's questions and answer.
        Route {
            method: Method::POST,
            path: format!("/products/{slug_a}/quality-reports"),
            body: Body::Photo(vec![("kind", s("label")), ("body", s("x"))]),
            who: SignedIn,
            api: false,
        },
        get("/account/reports", SignedIn),
        get("/officer/quality", OFFICERS),
        post(
            format!("/officer/quality/{report_a}"),
            vec![("decision", s("answer")), ("text", s(""))],
            OFFICER_A,
        ),
        get(format!("/seller/quality?seller={seller_a}"), SELLER_A),
        post(
            format!("/seller/quality/{report_a}"),
            vec![("seller", seller_a.to_string()), ("text", s(""))],
            SELLER_A,
        ),
        // Other channels: the seller's page, a declaration (no name: 400), a renewal (no
        // evidence: 400), the officers' queue and verdict (a rejection without a reason: 400).
        get(format!("/seller/channels?seller={seller_a}"), SELLER_A),
        Route {
            method: Method::POST,
            path: s("/seller/channels"),
            body: Body::Photo(vec![
                ("seller", seller_a.to_string()),
                ("kind", s("export")),
                ("channel_name", s("")),
                ("since", s("2025-01-01")),
            ]),
            who: SELLER_A,
            api: false,
        },
        Route {
            method: Method::POST,
            path: format!("/seller/channels/{channel_a}/renew"),
            body: Body::Photo(vec![("seller", seller_a.to_string())]),
            who: SELLER_A,
            api: false,
        },
        get("/officer/channels", OFFICERS),
        // The provincial report (each officer's own province), the nation's (administrators).
        get("/officer/report", OFFICERS),
        get("/officer/report.xlsx", OFFICERS),
        get("/officer/report?province=all", ADMIN),
        get(
            format!("/officer/report.xlsx?province={province_a}"),
            OFFICER_A,
        ),
        // Catalog feeds are public.
        get(format!("/feeds/sellers/{producer_a}/google.xml"), Everyone),
        get(format!("/feeds/provinces/{province_a}/meta.csv"), Everyone),
        post(
            format!("/officer/channels/{channel_a}"),
            vec![("verdict", s("reject")), ("reason", s(""))],
            OFFICER_A,
        ),
        post(
            format!("/officer/returns/{return_a}"),
            vec![("decision", s("reject")), ("reason", s("x"))],
            OFFICER_A,
        ),
        // The officers' area.
        get("/officer", OFFICERS),
        post(
            "/officer/listings/delist",
            vec![
                ("product", format!("/products/{slug_a}")),
                ("reason", s("")),
            ],
            OFFICER_A,
        ),
        get(
            format!("/officer/indicators?province={province_a}"),
            OFFICER_A,
        ),
        get(
            format!("/officer/indicators/participants.csv?province={province_a}"),
            OFFICER_A,
        ),
        get(
            format!("/officer/indicators/sell-through.csv?province={province_a}&level=listing"),
            OFFICER_A,
        ),
        // Administrators.
        get("/officer/outlets", ADMIN),
        post(
            "/officer/outlets",
            vec![
                ("slug", s("Not A Slug")),
                ("province", s("hue")),
                ("name", s("x")),
            ],
            ADMIN,
        ),
        post(
            format!("/officer/outlets/{x}/invite"),
            vec![("email", s("not-an-address"))],
            ADMIN,
        ),
        // Destructive last: their owners act last.
        post(
            format!("/account/tokens/{shopper_token_id}/revoke"),
            vec![],
            Only(&["shopper"]),
        ),
        post(
            format!("/seller/live/{}/items/{}/delete", show.pid, item.id),
            vec![],
            SELLER_A,
        ),
        api(
            Method::DELETE,
            format!("/api/v1/seller/listings/{la}/photos/{photo}"),
            Body::None,
            SELLER_A,
        ),
    ];

    let mut wrong = Vec::new();
    for route in &routes {
        // Refused principals first: an allowed call may change what later calls see.
        let mut order: Vec<&str> = PRINCIPALS
            .iter()
            .copied()
            .filter(|p| !route.who.allows(p))
            .collect();
        order.extend(PRINCIPALS.iter().copied().filter(|p| route.who.allows(p)));
        for who in order {
            let (status, location) = call(&app, &people[who], route).await;
            let ok = if route.who.allows(who) {
                let_through(status, &location)
            } else {
                refused(who, status, &location)
            };
            if !ok {
                wrong.push(format!(
                    "{} {} as {who}: {status} {location} (expected {})",
                    route.method,
                    route.path,
                    if route.who.allows(who) {
                        "let through"
                    } else {
                        "refused"
                    }
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} calls broke the policy:\n{}",
        wrong.len(),
        routes.len() * PRINCIPALS.len(),
        wrong.join("\n")
    );
    // The destructive calls did what their owners asked.
    assert_eq!(app.count("live_show_items", "").await, 0);
    assert_eq!(app.count("listing_photos", "").await, 0);
}
