//! Request extractors whose rejections are problem documents with stable
//! codes (axum's own rejections are plain text).

use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use std::net::SocketAddr;

use crate::platform::error::{AppError, AppResult, ErrorCode};
use crate::platform::web::AppState;

/// JSON body for the API. Before it is read as `T`, every string in it is
/// checked against `jianguan_rules::text`: no control characters, no date
/// outside 1900–2199 — whatever field it is in, so that no handler can
/// forget.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let value = match axum::Json::<serde_json::Value>::from_request(req, state).await {
            Ok(axum::Json(v)) => v,
            Err(JsonRejection::JsonDataError(e)) => {
                return Err(AppError::new(ErrorCode::ValidationFailed, e.body_text()));
            }
            Err(JsonRejection::BytesRejection(_)) => {
                return Err(AppError::new(ErrorCode::PayloadTooLarge, "body too large"));
            }
            Err(e) => return Err(AppError::new(ErrorCode::BadRequest, e.body_text())),
        };
        check_value(&value, &mut String::new())?;
        serde_json::from_value(value)
            .map(ApiJson)
            .map_err(|e| AppError::new(ErrorCode::ValidationFailed, format!("the body does not match: {e}")))
    }
}

/// One string of input, named by where it was (`a.b[2]`, a form field).
pub fn check_text(field: &str, s: &str) -> AppResult<()> {
    if let Some(c) = jianguan_rules::text::control_char(s) {
        return Err(AppError::field(
            ErrorCode::ValidationFailed,
            field,
            format!("含有不可见的控制字符 U+{:04X}", c as u32),
        ));
    }
    if let Some(d) = jianguan_rules::text::as_iso_date(s)
        && !jianguan_rules::text::plausible_date(d)
    {
        return Err(AppError::field(
            ErrorCode::ValidationFailed,
            field,
            format!("日期 {d} 不在1900年至2199年之间"),
        ));
    }
    Ok(())
}

fn check_value(v: &serde_json::Value, path: &mut String) -> AppResult<()> {
    use serde_json::Value;
    match v {
        Value::String(s) => check_text(if path.is_empty() { "body" } else { path }, s),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                check_value(item, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        Value::Object(map) => {
            for (k, item) in map {
                check_text("body", k)?;
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                check_value(item, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// URL-encoded form body for pages, its fields checked like [`ApiJson`]'s.
pub struct PageForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PageForm<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let bytes = axum::body::Bytes::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(|_| AppError::new(ErrorCode::PayloadTooLarge, "body too large"))?;
        if let Ok(fields) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes) {
            for (k, v) in &fields {
                check_text(k, v)?;
            }
        }
        let req = Request::from_parts(parts, axum::body::Body::from(bytes));
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(PageForm(v)),
            Err(FormRejection::FailedToDeserializeForm(e)) => {
                Err(AppError::new(ErrorCode::ValidationFailed, e.body_text()))
            }
            Err(e) => Err(AppError::new(ErrorCode::BadRequest, e.body_text())),
        }
    }
}

/// The client's address, for per-address limits ("local" when unknown,
/// e.g. in tests that drive the router without a socket). Behind a trusted
/// reverse proxy it is the last `X-Forwarded-For` entry, the one the proxy added.
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if state.settings.trust_forwarded_for
            && let Some(ip) = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .map(str::trim)
                .filter(|s| !s.is_empty())
        {
            return Ok(ClientAddr(ip.to_string()));
        }
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_else(|| "local".into()),
        ))
    }
}

/// The `file` field of a multipart upload: its name (`upload.csv` when the
/// client gave none) and bytes, if there was one.
pub async fn upload_field(multipart: &mut axum::extract::Multipart) -> AppResult<Option<(String, axum::body::Bytes)>> {
    let mut file = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::new(ErrorCode::BadRequest, format!("upload: {e}")))?
    {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("upload.csv").to_string();
            let bytes = field
                .bytes()
                .await
                .map_err(|e| AppError::new(ErrorCode::PayloadTooLarge, format!("upload: {e}")))?;
            file = Some((name, bytes));
        }
    }
    Ok(file)
}

/// A file name's extension, lower-cased (`""` when it has none).
pub fn file_extension(path: &std::path::Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// A spreadsheet upload ([`upload_field`]): only `.csv` and `.xlsx` files
/// are accepted (`unsupported_file`).
pub async fn upload_file(multipart: &mut axum::extract::Multipart) -> AppResult<(String, axum::body::Bytes)> {
    let (name, bytes) = upload_field(multipart)
        .await?
        .ok_or_else(|| AppError::field(ErrorCode::ValidationFailed, "file", "choose a .csv or .xlsx file"))?;
    let ext = file_extension(std::path::Path::new(&name));
    if !matches!(ext.as_str(), "csv" | "xlsx") {
        return Err(AppError::new(
            ErrorCode::UnsupportedFile,
            format!("{name}: only .csv and .xlsx files can be imported"),
        ));
    }
    Ok((name, bytes))
}

/// A file part of a multipart form.
pub struct FilePart {
    pub field: String,
    pub file_name: String,
    pub bytes: axum::body::Bytes,
}

/// Every part of a multipart form: text fields in order, and the files
/// actually chosen (a file input left empty sends an unnamed empty part,
/// which is skipped).
pub async fn multipart_form(
    multipart: &mut axum::extract::Multipart,
) -> AppResult<(Vec<(String, String)>, Vec<FilePart>)> {
    let mut fields = Vec::new();
    let mut files = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::new(ErrorCode::BadRequest, format!("upload: {e}")))?
    {
        let name = field.name().unwrap_or_default().to_string();
        match field.file_name().map(str::to_string) {
            Some(file_name) => {
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| AppError::new(ErrorCode::PayloadTooLarge, format!("upload: {e}")))?;
                if !file_name.is_empty() && !bytes.is_empty() {
                    files.push(FilePart {
                        field: name,
                        file_name,
                        bytes,
                    });
                }
            }
            None => {
                let text = field
                    .text()
                    .await
                    .map_err(|e| AppError::new(ErrorCode::BadRequest, format!("upload: {e}")))?;
                fields.push((name, text));
            }
        }
    }
    Ok((fields, files))
}

/// A list typed into one form field, as people type it in Chinese and
/// English: items separated by commas (, ，), semicolons (; ；), 顿号 (、),
/// spaces or line breaks.
pub fn list_field(s: &str) -> Vec<String> {
    s.split([',', '，', '；', ';', '、', ' ', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// An optional date typed into a form field (`2026-11-24`, as a date input
/// sends it); empty is none, anything else a `validation_failed` on `field`.
pub fn date_field(field: &str, s: &str) -> AppResult<Option<chrono::NaiveDate>> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse()
        .map(Some)
        .map_err(|_| AppError::invalid(field, "日期格式应为 年-月-日"))
}
