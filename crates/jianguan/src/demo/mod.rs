//! The demo province: a Hubei-shaped organisation with one account per role.
//! Loading is idempotent: a second run reuses what exists and only resets
//! the demo accounts' passwords so that the printed ones work.
//!
//! Later contexts add their demo data (entities, catalog, tasks) here.

pub mod enforcement;
pub mod supervision;

use chrono::{Datelike, NaiveDate};
use jianguan_rules::Role;

use crate::audit::Actor;
use crate::org::model::{DeptKind, NewDepartment, NewUser};
use crate::org::store;
use crate::platform::clock::Clock;
use crate::platform::db::Db;
use crate::platform::error::AppError;

/// (code, name, kind, division, parent code)
pub const DEPARTMENTS: &[(&str, &str, DeptKind, &str, Option<&str>)] = &[
    (
        "420000-SCJG",
        "湖北省市场监督管理局",
        DeptKind::MarketRegulation,
        "420000",
        None,
    ),
    (
        "420000-YJJ",
        "湖北省药品监督管理局",
        DeptKind::DrugAdministration,
        "420000",
        None,
    ),
    (
        "420000-YJGL",
        "湖北省应急管理厅",
        DeptKind::EmergencyManagement,
        "420000",
        None,
    ),
    (
        "420100-SCJG",
        "武汉市市场监督管理局",
        DeptKind::MarketRegulation,
        "420100",
        Some("420000-SCJG"),
    ),
    (
        "420102-SCJG",
        "武汉市江岸区市场监督管理局",
        DeptKind::MarketRegulation,
        "420102",
        Some("420100-SCJG"),
    ),
    (
        "420106-SCJG",
        "武汉市武昌区市场监督管理局",
        DeptKind::MarketRegulation,
        "420106",
        Some("420100-SCJG"),
    ),
    (
        "420111-SCJG",
        "武汉市洪山区市场监督管理局",
        DeptKind::MarketRegulation,
        "420111",
        Some("420100-SCJG"),
    ),
    (
        "420100-STHJ",
        "武汉市生态环境局",
        DeptKind::EcologyEnvironment,
        "420100",
        None,
    ),
    ("420100-JTYS", "武汉市交通运输局", DeptKind::Transport, "420100", None),
    (
        "420100-NYNC",
        "武汉市农业农村局",
        DeptKind::AgricultureRural,
        "420100",
        None,
    ),
    (
        "420500-SCJG",
        "宜昌市市场监督管理局",
        DeptKind::MarketRegulation,
        "420500",
        Some("420000-SCJG"),
    ),
    (
        "420502-SCJG",
        "宜昌市西陵区市场监督管理局",
        DeptKind::MarketRegulation,
        "420502",
        Some("420500-SCJG"),
    ),
    (
        "420600-SCJG",
        "襄阳市市场监督管理局",
        DeptKind::MarketRegulation,
        "420600",
        Some("420000-SCJG"),
    ),
    (
        "420602-SCJG",
        "襄阳市襄城区市场监督管理局",
        DeptKind::MarketRegulation,
        "420602",
        Some("420600-SCJG"),
    ),
    (
        "429004-SCJG",
        "仙桃市市场监督管理局",
        DeptKind::MarketRegulation,
        "429004",
        Some("420000-SCJG"),
    ),
];

/// A demo account.
pub struct DemoAccount {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    pub department: Option<&'static str>,
    pub uscc: Option<&'static str>,
    pub cert_no: Option<&'static str>,
}

pub const ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        username: "admin",
        display_name: "系统管理员",
        role: Role::SysAdmin,
        department: None,
        uscc: None,
        cert_no: None,
    },
    DemoAccount {
        username: "deptadmin",
        display_name: "武汉市局管理员",
        role: Role::DeptAdmin,
        department: Some("420100-SCJG"),
        uscc: None,
        cert_no: None,
    },
    DemoAccount {
        username: "inspector",
        display_name: "张敏",
        role: Role::Inspector,
        department: Some("420102-SCJG"),
        uscc: None,
        cert_no: Some("42010220230017"),
    },
    DemoAccount {
        username: "inspector2",
        display_name: "李强",
        role: Role::Inspector,
        department: Some("420102-SCJG"),
        uscc: None,
        cert_no: Some("42010220210052"),
    },
    DemoAccount {
        username: "yjinspector",
        display_name: "周静",
        role: Role::Inspector,
        department: Some("420000-YJJ"),
        uscc: None,
        cert_no: Some("42000020220031"),
    },
    DemoAccount {
        username: "reviewer",
        display_name: "王芳",
        role: Role::LegalReviewer,
        department: Some("420100-SCJG"),
        uscc: None,
        cert_no: None,
    },
    // The district bureau's head (负责人): files, declines, extends and
    // closes the bureau's enforcement matters.
    DemoAccount {
        username: "jiangan_head",
        display_name: "周卫东",
        role: Role::Leader,
        department: Some("420102-SCJG"),
        uscc: None,
        cert_no: None,
    },
    DemoAccount {
        username: "leader",
        display_name: "陈建国",
        role: Role::Leader,
        department: Some("420000-SCJG"),
        uscc: None,
        cert_no: None,
    },
    // A made-up but well-formed code registered in 江岸区 (both checks pass).
    DemoAccount {
        username: "enterprise",
        display_name: "武汉江岸示范餐饮有限公司",
        role: Role::Enterprise,
        department: None,
        uscc: Some("91420102MA4K2B8Q7G"),
        cert_no: None,
    },
];

/// Create the demo organisation if missing and give every demo account the
/// password `password_for(username)`. Returns (account, password) pairs.
pub async fn load_org(
    db: &Db,
    clock: &Clock,
    mut password_for: impl FnMut(&str) -> String,
) -> Result<Vec<(&'static DemoAccount, String)>, AppError> {
    let now = clock.now();
    for (code, name, kind, division, parent) in DEPARTMENTS {
        if store::department_by_code(db, code).await?.is_none() {
            let new = NewDepartment {
                code: (*code).into(),
                name: (*name).into(),
                kind: *kind,
                division_code: (*division).into(),
                parent_code: parent.map(Into::into),
            };
            store::create_department(db, &Actor::Cli, now, &new).await?;
        }
    }
    let today = now.date_naive();
    let cert_until = NaiveDate::from_ymd_opt(today.year() + 3, 12, 31).unwrap_or(today);
    let mut out = Vec::new();
    for a in ACCOUNTS {
        let password = password_for(a.username);
        match store::user_by_username(db, a.username).await? {
            Some(u) => store::set_password(db, &Actor::Cli, now, u.id, &password).await?,
            None => {
                let new = NewUser {
                    username: a.username.into(),
                    display_name: Some(a.display_name.into()),
                    role: a.role,
                    department_code: a.department.map(Into::into),
                    uscc: a.uscc.map(Into::into),
                    cert_no: a.cert_no.map(Into::into),
                    cert_valid_until: a.cert_no.map(|_| cert_until),
                    password: password.clone(),
                };
                let u = store::create_user(db, &Actor::Cli, store::Manager::System, now, &new).await?;
                // The inspector directory lists fields of enforcement.
                let fields: &[&str] = match (a.role, a.department) {
                    (Role::Inspector, Some(d)) if d.ends_with("YJJ") => &["药品", "医疗器械", "疫苗"],
                    (Role::Inspector, _) => &["食品", "价格", "广告"],
                    _ => &[],
                };
                if !fields.is_empty() {
                    let list: Vec<String> = fields.iter().map(|s| s.to_string()).collect();
                    store::set_specialties(db, &Actor::Cli, now, &u, &list).await?;
                }
            }
        }
        out.push((a, password));
    }
    Ok(out)
}

/// A random password that passes the complexity rule.
pub fn random_password() -> anyhow::Result<String> {
    let t = crate::platform::keys::random_token(9)?;
    // Base64url of random bytes; the suffix guarantees all classes.
    Ok(format!("{t}#Jg7"))
}

/// The entity the demo enterprise account acts for, with a food licence.
fn demo_enterprise() -> Option<crate::registry::model::EntityInput> {
    use crate::registry::model::{EntityStatus, EntityType};
    Some(crate::registry::model::EntityInput {
        uscc: jianguan_rules::Uscc::parse("91420102MA4K2B8Q7G").ok()?,
        name: "武汉江岸示范餐饮有限公司".into(),
        former_names: vec!["武汉江岸示范小吃店".into()],
        entity_type: EntityType::Company,
        legal_rep: "刘洋".into(),
        registered_capital_fen: Some(50 * 1_000_000),
        established_on: NaiveDate::from_ymd_opt(2019, 5, 20),
        status: EntityStatus::Active,
        address: "湖北省武汉市江岸区沿江大道188号".into(),
        division: jianguan_rules::DivisionCode::parse("420102").ok()?,
        industry: jianguan_rules::IndustryCode::parse("6210").ok(),
        business_scope: "餐饮服务；食品销售".into(),
        authority: "江岸区市场监督管理局".into(),
        latitude: Some(30.5928),
        longitude: Some(114.3055),
    })
}

/// Generate `n` entities from `seed` (plus the demo enterprise) in batches;
/// `progress(done)` after each batch. Rerunning with the same numbers
/// changes nothing.
pub async fn load_entities(
    db: &Db,
    clock: &Clock,
    n: u64,
    seed: u64,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<crate::registry::store::BatchOutcome> {
    use crate::registry::generate::Generator;
    use crate::registry::store::upsert_batch;
    const BATCH: u64 = 2_000;
    let generator = std::sync::Arc::new(Generator::new(seed));
    let mut total = crate::registry::store::BatchOutcome::default();
    if let Some(e) = demo_enterprise() {
        let mut tx = db.begin().await?;
        total += upsert_batch(
            &mut tx,
            &Actor::Cli,
            clock.now(),
            &[e],
            ("demo", "enterprise"),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        let licence = crate::registry::model::Licence {
            licence_type: "食品经营许可证".into(),
            number: "JY14201020012345".into(),
            issuer: "武汉市江岸区市场监督管理局".into(),
            valid_from: NaiveDate::from_ymd_opt(2024, 5, 20),
            valid_until: NaiveDate::from_ymd_opt(2029, 5, 19),
        };
        crate::registry::store::add_licence(db, &Actor::Cli, clock.now(), "91420102MA4K2B8Q7G", &licence)
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.detail))?;
    }
    let mut start = 0;
    while start < n {
        let end = (start + BATCH).min(n);
        let g = generator.clone();
        // Generation is CPU work: keep it off the async workers.
        let rows =
            tokio::task::spawn_blocking(move || (start..end).filter_map(|i| g.entity(i)).collect::<Vec<_>>()).await?;
        let mut tx = db.begin().await?;
        total += upsert_batch(
            &mut tx,
            &Actor::Cli,
            clock.now(),
            &rows,
            ("demo", &format!("seed-{seed}")),
            serde_json::json!({"seed": seed, "from": start, "to": end}),
        )
        .await?;
        tx.commit().await?;
        start = end;
        progress(end);
    }
    Ok(total)
}
