//! The supervision information chain (监管信息链, mission C13): everything
//! recorded under one credit code, as a timeline.
//!
//! This is the extension point: a context that records something about an
//! entity adds one [`ChainSource`] to [`SOURCES`]; the entity page and the
//! API render whatever the sources return, so no page is edited.

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::future::Future;
use std::pin::Pin;
use utoipa::ToSchema;

use crate::platform::db::Db;

/// One event on an entity's timeline.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct ChainEvent {
    pub at: DateTime<Utc>,
    /// Which context recorded it: "registry", "inspection", "enforcement" ...
    pub source: &'static str,
    /// Machine kind, e.g. "registration", "change", "licence".
    pub kind: String,
    /// What a person reads, in Chinese.
    pub title: String,
    pub detail: String,
    /// A page with more, if any.
    pub link: Option<String>,
    /// Whose work the event records (an inspection, a case), so that the
    /// chain shows it only to those who read that department's work;
    /// `None` for territorial records (registration, licences).
    #[serde(skip)]
    pub work: Option<WorkOf>,
}

/// The department that did a piece of work and those that joined it.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkOf {
    pub department_id: i64,
    pub partners: Vec<i64>,
}

pub type SourceFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<ChainEvent>, sqlx::Error>> + Send + 'a>>;

/// A provider of timeline events for a credit code.
pub type ChainSource = for<'a> fn(&'a Db, &'a str) -> SourceFuture<'a>;

/// The sources of the information chain, in the order the composition root
/// registered them (`crate::app`): the registry's own first, then each
/// context that adds events to an entity's timeline. This module names no
/// other context; a new one registers its source at the root.
#[derive(Clone, Default)]
pub struct Sources(pub Vec<ChainSource>);

/// The chain as `user` may see it: territorial events for everyone who
/// sees the entity, work events only for those who read that work
/// (`CurrentUser::reads_work`); the entity's own account sees its whole
/// chain, since every record on it is about the entity.
pub async fn chain_for(
    state: &crate::platform::web::AppState,
    user: &crate::platform::auth::CurrentUser,
    uscc: &str,
) -> Result<Vec<ChainEvent>, sqlx::Error> {
    let db = &state.db;
    let sources = state.part::<Sources>().cloned().unwrap_or_default();
    let mut events = chain(db, &sources, uscc).await?;
    if user.user.uscc.as_deref() == Some(uscc) {
        return Ok(events);
    }
    let offices = crate::platform::auth::jurisdiction::offices(db).await?;
    events.retain(|e| match &e.work {
        None => true,
        Some(w) => user.reads_work(offices.get(&w.department_id), &w.partners),
    });
    Ok(events)
}

/// The whole chain of an entity from `sources`, newest first.
pub async fn chain(db: &Db, sources: &Sources, uscc: &str) -> Result<Vec<ChainEvent>, sqlx::Error> {
    let mut all = Vec::new();
    for source in &sources.0 {
        all.extend(source(db, uscc).await?);
    }
    all.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.kind.cmp(&b.kind)));
    Ok(all)
}

/// Registration, changes and licences.
/// The registry's own events: registration, changes, licences.
pub fn registry_events<'a>(db: &'a Db, uscc: &'a str) -> SourceFuture<'a> {
    Box::pin(async move {
        use super::store;
        let mut out = Vec::new();
        let Some(entity) = store::get(db, uscc).await? else {
            return Ok(out);
        };
        let registered_at = entity
            .established_on
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc())
            .unwrap_or(entity.created_at);
        out.push(ChainEvent {
            at: registered_at,
            source: "registry",
            kind: "registration".into(),
            title: "设立登记".into(),
            detail: format!(
                "{}，{}，登记机关：{}",
                entity.name,
                entity.type_zh(),
                if entity.authority.is_empty() {
                    "—"
                } else {
                    &entity.authority
                }
            ),
            link: None,
            work: None,
        });
        let versions = store::versions(db, uscc).await?;
        // Each superseded version was replaced by the next one: describe what changed.
        let mut newer = entity.clone();
        for v in &versions {
            let changes = describe_changes(&v.snapshot, &newer);
            if !changes.is_empty() {
                out.push(ChainEvent {
                    at: v.replaced_at,
                    source: "registry",
                    kind: "change".into(),
                    title: "变更登记".into(),
                    detail: changes.join("；"),
                    link: None,
                    work: None,
                });
            }
            newer = v.snapshot.clone();
        }
        for l in store::licences(db, uscc).await? {
            let at = l
                .valid_from
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
                .unwrap_or(entity.created_at);
            out.push(ChainEvent {
                at,
                source: "registry",
                kind: "licence".into(),
                title: format!("取得{}", l.licence_type),
                detail: format!(
                    "编号 {}，发证机关 {}{}",
                    l.number,
                    if l.issuer.is_empty() { "—" } else { &l.issuer },
                    l.valid_until.map(|d| format!("，有效期至 {d}")).unwrap_or_default()
                ),
                link: None,
                work: None,
            });
        }
        Ok(out)
    })
}

fn describe_changes(old: &super::model::Entity, new: &super::model::Entity) -> Vec<String> {
    let mut v = Vec::new();
    let mut diff = |label: &str, a: String, b: String| {
        if a != b {
            v.push(format!("{label}：{a} → {b}"));
        }
    };
    diff("名称", old.name.clone(), new.name.clone());
    diff("法定代表人", old.legal_rep.clone(), new.legal_rep.clone());
    diff("住所", old.address.clone(), new.address.clone());
    diff("登记状态", old.status_zh().into(), new.status_zh().into());
    diff("注册资本", old.capital_text(), new.capital_text());
    diff(
        "行业代码",
        old.industry_code.clone().unwrap_or_default(),
        new.industry_code.clone().unwrap_or_default(),
    );
    diff("经营范围", old.business_scope.clone(), new.business_scope.clone());
    v
}
