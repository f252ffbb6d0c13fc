//! The demo's supervision data: the shipped catalog, key list and tolerance
//! lists; licences for the generated entities whose industries require one
//! (food, drugs, devices, cosmetics, special equipment); entities listed
//! under key items; a year of inspections by the 江岸区 bureau; and annual
//! plans in every state (draft, approved, published). Loaded once: a second
//! run finds the inspections and changes nothing.

use chrono::{Datelike, Duration, NaiveDate};

use crate::audit::Actor;
use crate::catalog::guard::authorize;
use crate::catalog::keylist::{self, NewKeyEntity};
use crate::catalog::plans::{self, NewPlan, PlanLine};
use crate::catalog::{sample, store as catalog};
use crate::inspection::store::{NewInspection, Signed, insert};
use crate::org::store as org;
use crate::platform::clock::Clock;
use crate::platform::db::Db;
use crate::registry::store as registry;
use crate::{on_db, on_tx};

/// (industry code prefix, licence type, number prefix). Which generated
/// entities hold which licence, following the licensing rules of their
/// trade (食品安全法第三十五条, 药品管理法第五十一条 ...).
const LICENCES: &[(&str, &str, &str)] = &[
    ("13", "食品生产许可证", "SC1"),
    ("14", "食品生产许可证", "SC1"),
    ("15", "食品生产许可证", "SC1"),
    ("62", "食品经营许可证", "JY2"),
    ("522", "食品经营许可证", "JY1"),
    ("512", "食品经营许可证", "JY1"),
    ("27", "药品生产许可证", "鄂20"),
    ("5151", "药品经营许可证", "鄂AA"),
    ("5251", "药品经营许可证", "鄂CA"),
    ("358", "医疗器械生产许可证", "鄂药监械生产许"),
    ("5154", "医疗器械经营许可证", "鄂汉食药监械经营许"),
    ("5254", "医疗器械经营许可证", "鄂汉食药监械经营许"),
    ("2682", "化妆品生产许可证", "鄂妆"),
    ("61", "特种设备使用登记证", "梯11鄂A"),
    ("5211", "特种设备使用登记证", "梯11鄂A"),
    ("83", "特种设备使用登记证", "梯11鄂A"),
    ("841", "特种设备使用登记证", "梯11鄂A"),
];

async fn grant_licences(db: &Db, clock: &Clock) -> anyhow::Result<()> {
    let now = clock.now();
    let mut tx = db.begin().await?;
    for (prefix, kind, number) in LICENCES {
        // One licence per entity and type, numbered from the credit code;
        // valid from establishment (or 2020) for five years past today.
        on_tx!(tx, c => sqlx::query(
            "insert into licences (uscc, licence_type, number, issuer, valid_from, valid_until, created_at)
             select e.uscc, $2, $3 || substr(e.uscc, 3, 12), '属地市场监督管理局', coalesce(e.established_on, $5), $6, $4
             from entities e where e.industry_code like $1 and e.status = 'active'
             and not exists (select 1 from licences l where l.uscc = e.uscc and l.licence_type = $2)")
            .bind(format!("{prefix}%")).bind(*kind).bind(*number).bind(now)
            .bind(NaiveDate::from_ymd_opt(2020, 1, 1)).bind(NaiveDate::from_ymd_opt(now.year() + 5, 12, 31))
            .execute(&mut *c).await?.rows_affected());
    }
    tx.commit().await?;
    Ok(())
}

/// Load everything above; returns the number of catalog items loaded.
pub async fn load(db: &Db, clock: &Clock) -> anyhow::Result<usize> {
    let now = clock.now();
    // The shipped catalog is loaded once: after that it belongs to the
    // regulators, and a restart of the demo must not undo their changes.
    let items: i64 =
        on_db!(db, pool => sqlx::query_scalar("select count(*) from catalog_items").fetch_one(pool).await?);
    if items > 0 {
        return Ok(items as usize);
    }
    let report = sample::load(db, now).await?;
    grant_licences(db, clock).await?;
    let done: i64 = on_db!(db, pool => sqlx::query_scalar("select count(*) from inspections").fetch_one(pool).await?);
    if done > 0 {
        return Ok(report.total_rows);
    }
    let today = crate::platform::clock::china_day(now);
    let year = today.year();
    let jiangan = org::department_by_code(db, "420102-SCJG")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no 420102-SCJG"))?;
    let like = "420102%";
    let team = vec!["inspector".to_string(), "inspector2".to_string()];
    // Key list: up to eight entities of the province under each key item,
    // every other one inspected this period by the province's department
    // of the item's kind.
    for k in keylist::items(db).await? {
        let Some(item) = catalog::get(db, &k.item_code).await? else {
            continue;
        };
        let top = match item.content.department_kind {
            crate::org::model::DeptKind::DrugAdministration => "420000-YJJ",
            _ => "420000-SCJG",
        };
        let Some(dept) = org::department_by_code(db, top).await? else {
            continue;
        };
        let codes = plans::directory_sample(db, &item.content.scope, "42%", 8).await?;
        for (n, code) in codes.iter().enumerate() {
            let input = NewKeyEntity {
                item_code: k.item_code.clone(),
                uscc: code.clone(),
                reason: "辖区内重点场所，纳入重点监管全覆盖".into(),
            };
            keylist::add_entity(
                db,
                &Actor::Cli,
                None,
                now,
                &jianguan_rules::access::DataScope::All,
                &input,
            )
            .await?;
            if n % 2 == 0 {
                let (start, _) = k.period.bounds(today);
                let day = (today - Duration::days(n as i64 * 3)).max(start);
                inspect(db, clock, &dept, &k.item_code, code, day, "key", &team, None).await?;
            }
        }
    }
    load_plans(db, clock, year).await?;
    // A year of routine inspections under the district's plan: about 70%
    // of each line done by late November, spread over the year so far.
    let plan_id: Option<i64> = on_db!(db, pool => sqlx::query_scalar("select id from plans where department_id = $1 and year = $2")
        .bind(jiangan.id).bind(year).fetch_optional(pool).await?);
    if let Some(plan) = match plan_id {
        Some(id) => plans::get(db, id).await?,
        None => None,
    } {
        for line in plans::progress(db, &plan).await? {
            let Some(item) = catalog::get(db, &line.item_code).await? else {
                continue;
            };
            let n = (line.planned * 7 / 10).max(1);
            let source = if line.method == "complaint" {
                "complaint"
            } else {
                "random"
            };
            let codes = plans::directory_sample(db, &item.content.scope, like, n).await?;
            let span = today.ordinal0().max(1) as i64;
            for (i, uscc) in codes.iter().enumerate() {
                let day = NaiveDate::from_ymd_opt(year, 1, 2).unwrap_or(today) + Duration::days(i as i64 * span / n);
                inspect(
                    db,
                    clock,
                    &jiangan,
                    &line.item_code,
                    uscc,
                    day.min(today),
                    source,
                    &team,
                    None,
                )
                .await?;
            }
        }
    }
    load_draws(db, clock, &jiangan, &team).await?;
    // 无事不扰: the demo restaurant visited four times in two months (a
    // complaint, a sampling, a routine visit, a key-list visit) raises the
    // too-frequent-visits alert supervisors see on /inspections.
    for (days_ago, item, source) in [
        (55, "SJ-SP-004", "complaint"),
        (34, "SJ-SP-007", "adhoc"),
        (20, "SJ-JG-001", "adhoc"),
        (9, "SJ-SP-004", "key"),
    ] {
        let day = today - Duration::days(days_ago);
        let Some(entity) = registry::get(db, DEMO_RESTAURANT).await? else {
            break;
        };
        if authorize(db, jiangan.kind, item, &entity, day).await.is_ok() {
            inspect(db, clock, &jiangan, item, DEMO_RESTAURANT, day, source, &team, None).await?;
        }
    }
    // After the draws: an open case takes its entity out of a new draw.
    super::enforcement::load(db, clock, &jiangan, &team).await?;
    Ok(report.total_rows)
}

/// The entity the demo enterprise account acts for.
const DEMO_RESTAURANT: &str = "91420102MA4K2B8Q7G";

/// A joint task of the district bureau and the province's drug
/// administration, drawn and carried out; and a task committed but not yet
/// drawn.
async fn load_draws(
    db: &Db,
    clock: &Clock,
    jiangan: &crate::org::model::Department,
    team: &[String],
) -> anyhow::Result<()> {
    use crate::draws::schedule::schedule;
    use crate::draws::store::{TaskSpec, run};
    let now = clock.now();
    let today = crate::platform::clock::china_day(now);
    let joint = TaskSpec {
        title: format!("{}年第四季度餐饮与药品零售联合双随机抽查", today.year()),
        items: vec!["SJ-SP-004".into(), "YJ-YP-001".into()],
        regions: Vec::new(),
        partners: vec!["420000-YJJ".into()],
        period_start: today - Duration::days(40),
        period_end: today - Duration::days(5),
        ratios: [("B".to_string(), 1000)].into_iter().collect(),
        exclude_recent_months: 12,
        risk_ratios: Default::default(),
        plan_id: None,
        specialty: None,
    };
    let id = schedule(db, &Actor::Cli, now - Duration::days(45), jiangan, &joint).await?;
    // The province drug administration joins by accepting (联合抽查 is by
    // agreement, not by naming).
    if let Some(yjj) = crate::org::store::department_by_code(db, "420000-YJJ").await? {
        crate::draws::schedule::answer(db, &Actor::Cli, now - Duration::days(45), id, &yjj, true).await?;
    }
    let task = run(db, &Actor::Cli, now - Duration::days(41), id, "3051.27").await?;
    // Carried out: each drawn entity inspected under the district's item.
    if let Some(result) = task.result {
        for (n, s) in result.selected.iter().enumerate() {
            let day = today - Duration::days(38 - (n as i64 % 30));
            let Some(entity) = registry::get(db, &s.code).await? else {
                continue;
            };
            if authorize(db, jiangan.kind, "SJ-SP-004", &entity, day).await.is_ok() {
                inspect(db, clock, jiangan, "SJ-SP-004", &s.code, day, "joint", team, None).await?;
            }
        }
    }
    let plan_id: Option<i64> = on_db!(db, pool => sqlx::query_scalar("select id from plans where department_id = $1 and year = $2")
        .bind(jiangan.id).bind(today.year()).fetch_optional(pool).await?);
    let scheduled = TaskSpec {
        title: format!("{}年12月经营者明码标价双随机抽查", today.year()),
        items: vec!["SJ-JG-001".into()],
        regions: Vec::new(),
        partners: Vec::new(),
        period_start: today + Duration::days(7),
        period_end: today + Duration::days(30),
        ratios: [("B".to_string(), 300)].into_iter().collect(),
        exclude_recent_months: 12,
        risk_ratios: Default::default(),
        plan_id,
        specialty: None,
    };
    schedule(db, &Actor::Cli, now, jiangan, &scheduled).await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn inspect(
    db: &Db,
    clock: &Clock,
    dept: &crate::org::model::Department,
    item_code: &str,
    uscc: &str,
    day: NaiveDate,
    source: &str,
    team: &[String],
    outcome: Option<&str>,
) -> anyhow::Result<()> {
    let Some(entity) = registry::get(db, uscc).await? else {
        return Ok(());
    };
    // Not before the entity (and its licences) existed.
    let day = day.max(entity.established_on.unwrap_or(day)).min(clock.today());
    let cited = authorize(db, dept.kind, item_code, &entity, day).await?;
    let outcome = outcome.unwrap_or(if uscc.ends_with(['3', '7', 'A']) {
        "rectify"
    } else {
        "no_problem"
    });
    let input = NewInspection {
        uscc: uscc.to_string(),
        items: vec![item_code.to_string()],
        method: "on_site".into(),
        source: source.into(),
        inspected_on: day,
        team: team.to_vec(),
        outcome: outcome.into(),
        notes: String::new(),
        checkin_id: None,
        no_checkin_reason: "历史检查记录补录".into(),
        answers: Vec::new(),
        rectify_by: (outcome == "rectify").then(|| day + chrono::Duration::days(15)),
        corrects: None,
        follows_up: None,
        joint_with: None,
        evidence: Vec::new(),
        submission_id: None,
    };
    // Back-filled history: recorded before checklists were kept.
    let signed = Signed {
        signer: None,
        cited: vec![cited],
        answers: Vec::new(),
        files: Vec::new(),
    };
    let id = insert(db, &Actor::Cli, clock.now(), dept, &input, &signed).await?;
    // Back-filled records were signed on paper by the whole team.
    for name in team {
        on_db!(db, pool => sqlx::query(
            "insert into inspection_cosigns (inspection_id, user_id, cosigned_at)
             select $1, id, $2 from users where username = $3")
            .bind(id).bind(clock.now()).bind(name).execute(pool).await?.rows_affected());
    }
    Ok(())
}

fn line(item: &str, method: &str, ratio_bp: Option<u32>, count: Option<i64>, periods: &[&str]) -> PlanLine {
    PlanLine {
        item_code: item.into(),
        method: method.into(),
        ratio_bp,
        planned_count: count,
        periods: periods.iter().map(|s| s.to_string()).collect(),
        partners: Vec::new(),
    }
}

async fn load_plans(db: &Db, clock: &Clock, year: i32) -> anyhow::Result<()> {
    let now = clock.now();
    let plans: [(&str, &str, Vec<PlanLine>, &[&str]); 4] = [
        (
            "420102-SCJG",
            "江岸区市场监督管理局年度双随机抽查工作计划",
            vec![
                line("SJ-SP-004", "random", Some(500), None, &["Q1", "Q2", "Q3", "Q4"]),
                line("SJ-SP-003", "random", Some(500), None, &["Q2", "Q3"]),
                line("SJ-JG-001", "random", Some(300), None, &["Q2", "Q4"]),
                line("SJ-GS-003", "random", Some(300), None, &["Q3"]),
                line("SJ-XB-001", "complaint", None, Some(20), &["全年"]),
            ],
            &["approved", "published"],
        ),
        (
            "420000-YJJ",
            "湖北省药品监督管理局年度监督检查计划",
            vec![
                line("YJ-YP-001", "random", Some(1000), None, &["Q2", "Q3"]),
                line("YJ-QX-002", "random", Some(1000), None, &["Q3"]),
                line("YJ-YM-001", "key", Some(10_000), None, &["Q1", "Q2", "Q3", "Q4"]),
            ],
            &["approved", "published"],
        ),
        (
            "420100-SCJG",
            "武汉市市场监督管理局年度监管计划",
            vec![
                line("SJ-TZ-001", "key", Some(10_000), None, &["全年"]),
                line("SJ-ZL-002", "random", Some(300), None, &["Q2", "Q3"]),
            ],
            &["approved"],
        ),
        (
            "420000-SCJG",
            "湖北省市场监督管理局年度企业公示信息抽查计划",
            vec![line("SJ-GS-001", "random", Some(300), None, &["Q2", "Q3", "Q4"])],
            &[],
        ),
    ];
    for (dept_code, title, lines, steps) in plans {
        let Some(dept) = org::department_by_code(db, dept_code).await? else {
            continue;
        };
        let p = NewPlan {
            year,
            title: format!("{year}年{title}"),
            lines,
        };
        let id = plans::create(db, &Actor::Cli, now, &dept, &p).await?;
        for to in steps {
            plans::advance(db, &Actor::Cli, now, id, to).await?;
        }
    }
    Ok(())
}
