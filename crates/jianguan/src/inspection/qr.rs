//! Scan supervision (扫码监管, mission C17): every entity has a QR code whose
//! payload is a URL carrying its credit code and an ed25519 signature by the
//! server's key over `jianguan-qr/1|{uscc}`. A forged or altered code fails
//! the signature and is refused; an inspector who scans a genuine one lands
//! on the check-in form for that entity, anyone else on its public card.
//!
//! The signature covers the code only, not the host, so a poster stays valid
//! when the server moves; it is verified against the server's own key.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _};
use jianguan_rules::Uscc;
use qrcode::QrCode;
use serde::Deserialize;

use crate::platform::auth::CurrentUser;
use crate::platform::auth::access::MaybeUser;
use crate::platform::error::{AppError, AppResult, ErrorCode};
use crate::platform::web::AppState;
use crate::platform::web::templates::{Layout, layout, render};
use crate::registry::model::Entity;
use crate::registry::routes::visible_entity;

/// What is signed for an entity's QR code.
fn message(uscc: &str) -> String {
    format!("jianguan-qr/1|{uscc}")
}

/// The signature part of the URL (base64url, no padding).
pub fn sign(key: &SigningKey, uscc: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.sign(message(uscc).as_bytes()).to_bytes())
}

/// Whether `sig` is the server's signature of `uscc`.
pub fn verify(key: &SigningKey, uscc: &str, sig: &str) -> bool {
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(sig.trim()) else {
        return false;
    };
    let Ok(sig) = Signature::from_slice(&bytes) else {
        return false;
    };
    key.verifying_key().verify(message(uscc).as_bytes(), &sig).is_ok()
}

/// The absolute URL a code carries: on the configured public address
/// (`--public-base-url`), else on the host the request came to (a poster
/// printed through a crafted `Host` would send the public elsewhere).
pub fn url(state: &AppState, headers: &HeaderMap, uscc: &str) -> String {
    if let Some(base) = &state.settings.public_base_url {
        return format!("{base}/q/{uscc}?s={}", sign(&state.key, uscc));
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let scheme = if state.settings.secure_cookies { "https" } else { "http" };
    format!("{scheme}://{host}/q/{uscc}?s={}", sign(&state.key, uscc))
}

fn code_for(text: &str) -> AppResult<QrCode> {
    // Level M survives a scuffed poster and keeps the symbol small.
    QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).map_err(AppError::internal)
}

/// The code as SVG.
pub fn svg(text: &str) -> AppResult<String> {
    Ok(code_for(text)?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(256, 256)
        .quiet_zone(true)
        .build())
}

/// The code as a black-and-white PNG, `scale` pixels per module, with the
/// four-module quiet zone the standard asks for.
pub fn png(text: &str, scale: u32) -> AppResult<Vec<u8>> {
    let code = code_for(text)?;
    let n = code.width() as u32;
    let quiet = 4;
    let side = (n + 2 * quiet) * scale;
    let colors = code.to_colors();
    let mut pixels = vec![255u8; (side * side) as usize];
    for y in 0..n {
        for x in 0..n {
            if colors[(y * n + x) as usize] == qrcode::Color::Dark {
                for dy in 0..scale {
                    let row = ((y + quiet) * scale + dy) * side;
                    let start = (row + (x + quiet) * scale) as usize;
                    pixels[start..start + scale as usize].fill(0);
                }
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, side, side);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().map_err(AppError::internal)?;
        w.write_image_data(&pixels).map_err(AppError::internal)?;
    }
    Ok(out)
}

fn image(bytes: impl IntoResponse, ctype: &'static str) -> Response {
    let mut res = bytes.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600"));
    res
}

/// `GET /entities/{uscc}/qr.svg`
pub async fn qr_svg(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let e = visible_entity(&state, &user, &code).await?;
    Ok(image(svg(&url(&state, &headers, &e.uscc))?, "image/svg+xml"))
}

/// `GET /entities/{uscc}/qr.png`
pub async fn qr_png(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let e = visible_entity(&state, &user, &code).await?;
    Ok(image(png(&url(&state, &headers, &e.uscc), 8)?, "image/png"))
}

#[derive(Template)]
#[template(path = "inspection/poster.html")]
pub struct PosterPage {
    pub layout: Layout,
    pub e: Entity,
    pub svg: String,
    /// The address the code carries, for typing in when a camera fails.
    pub url: String,
}

/// `GET /entities/{uscc}/qr`: the printable poster.
pub async fn poster(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let e = visible_entity(&state, &user, &code).await?;
    let url = url(&state, &headers, &e.uscc);
    let svg = svg(&url)?;
    Ok(render(&PosterPage {
        layout: layout(Some(&user), "扫码监管二维码", "/registry/entities"),
        e,
        svg,
        url,
    }))
}

#[derive(Deserialize)]
pub struct ScanQuery {
    #[serde(default)]
    pub s: String,
}

#[derive(Template)]
#[template(path = "inspection/scanned.html")]
pub struct ScannedPage {
    pub layout: Layout,
    pub e: Entity,
}

/// `GET /q/{uscc}?s=SIG`: where a scanned code leads. A bad signature is
/// refused (`qr_signature_invalid`); an inspector goes on to check in, others
/// see the entity's public card.
pub async fn scan(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path(code): Path<String>,
    Query(q): Query<ScanQuery>,
) -> AppResult<Response> {
    let uscc = Uscc::parse(&code).map_err(|_| AppError::new(ErrorCode::QrSignatureInvalid, "not a jianguan code"))?;
    if !verify(&state.key, uscc.as_str(), &q.s) {
        return Err(AppError::new(
            ErrorCode::QrSignatureInvalid,
            "the code's signature does not match: forged or altered",
        ));
    }
    let e = crate::registry::store::get(&state.db, uscc.as_str())
        .await?
        .ok_or_else(|| AppError::not_found("entity"))?;
    if user
        .as_ref()
        .is_some_and(|u| u.role() == jianguan_rules::Role::Inspector)
    {
        return Ok(Redirect::to(&format!("/inspections/new?uscc={}&scanned=1", e.uscc)).into_response());
    }
    Ok(render(&ScannedPage {
        layout: layout(user.as_ref(), "扫码查验", "/"),
        e,
    }))
}
