//! The demo's enforcement desk at the 江岸区 bureau: a lead an inspection
//! transferred this week, a complaint past its verification deadline, an
//! open case filed a month ago (its clock stopped while samples are
//! tested), a case closed after its penalty was paid, and a lead declined
//! as a first minor offence (首违不罚).

use chrono::Duration;

use crate::audit::Actor;
use crate::enforcement::cases::{self, Close, FileCase};
use crate::enforcement::leads::{self, NewLead};
use crate::on_db;
use crate::org::model::Department;
use crate::platform::clock::Clock;
use crate::platform::db::Db;

pub async fn load(db: &Db, clock: &Clock, jiangan: &Department, team: &[String]) -> anyhow::Result<()> {
    let now = clock.now();
    let today = crate::platform::clock::china_day(now);
    // Food businesses of the district, other than the demo restaurant
    // (whose page shows its visits).
    let codes: Vec<String> = on_db!(db, pool => sqlx::query_scalar(
        "select e.uscc from entities e join licences l on l.uscc = e.uscc
         where e.division_code like '420102%' and e.status = 'active' and l.licence_type = '食品经营许可证'
           and e.uscc <> '91420102MA4K2B8Q7G'
         order by e.uscc limit 4").fetch_all(pool).await?);
    let [b, c, d, e, ..] = codes.as_slice() else {
        return Ok(());
    };
    // This week's visit found expired food on the shelf: transferred. The
    // entity is one the item covers that the others are not.
    let day = today - Duration::days(2);
    let scope = match crate::catalog::store::get(db, "SJ-SP-004").await? {
        Some(item) => item.content.scope,
        None => return Ok(()),
    };
    let covered = crate::catalog::plans::directory_sample(db, &scope, "420102%", 50).await?;
    let mut transferred = None;
    for code in covered
        .iter()
        .filter(|x| !codes.contains(x) && x.as_str() != "91420102MA4K2B8Q7G")
    {
        if let Some(en) = crate::registry::store::get(db, code).await?
            && crate::catalog::guard::authorize(db, jiangan.kind, "SJ-SP-004", &en, day)
                .await
                .is_ok()
        {
            transferred = Some(code.clone());
            break;
        }
    }
    if let Some(a) = &transferred {
        super::supervision::inspect(db, clock, jiangan, "SJ-SP-004", a, day, "complaint", team, Some("case")).await?;
    }
    let lead = |uscc: &str, source: &str, summary: &str, days_ago: i64| NewLead {
        uscc: uscc.into(),
        source: source.into(),
        summary: summary.into(),
        found_on: Some(today - Duration::days(days_ago)),
        act_ended_on: Some(today - Duration::days(days_ago + 3)),
        grave: false,
        ground: None,
        ground_place: None,
        ground_department: None,
        ground_reference: None,
    };
    let at = |days_ago: i64| now - Duration::days(days_ago);
    // A complaint nobody has decided on: past its 15 working days.
    leads::create(
        db,
        &Actor::Cli,
        at(30),
        jiangan,
        &lead(b, "complaint", "消费者投诉：外卖餐品中有异物，商家拒绝退款", 30),
    )
    .await?;
    let officers = || FileCase {
        cause: String::new(),
        officers: team.to_vec(),
        note: "经核查，有证据初步证明存在违法行为".into(),
        act_ended_on: None,
        grave: None,
    };
    // Filed a month ago, still being investigated.
    let id = leads::create(
        db,
        &Actor::Cli,
        at(40),
        jiangan,
        &lead(c, "report", "举报：后厨使用超过保质期的食用油", 40),
    )
    .await?;
    if let Some(l) = leads::by_id(db, id).await? {
        let input = FileCase {
            cause: "涉嫌使用超过保质期的食品原料加工食品".into(),
            ..officers()
        };
        let case_id = cases::file(db, &Actor::Cli, at(33), &l, &input).await?;
        // The oil went to the laboratory ten days ago: the clock stands
        // (程序规定第六十四条第二款).
        if let Some(case) = cases::by_id(db, case_id).await? {
            let testing = crate::enforcement::clock::PauseInput {
                kind: "testing".into(),
                reason: "食用油样品送湖北省食品质量安全监督检验研究院检验".into(),
                from_on: None,
            };
            cases::pause(db, &Actor::Cli, at(10), &case, &testing).await?;
        }
    }
    // Filed in summer, penalised, paid, closed.
    let id = leads::create(
        db,
        &Actor::Cli,
        at(120),
        jiangan,
        &lead(d, "transfer", "区卫健局移送：餐具消毒记录缺失", 120),
    )
    .await?;
    if let Some(l) = leads::by_id(db, id).await? {
        let input = FileCase {
            cause: "涉嫌未按要求对餐具、饮具进行清洗消毒".into(),
            ..officers()
        };
        let case_id = cases::file(db, &Actor::Cli, at(112), &l, &input).await?;
        if let Some(case) = cases::by_id(db, case_id).await? {
            let close = Close {
                ground: "executed".into(),
                note: "警告并处罚款5000元，当事人已于期限内缴纳".into(),
            };
            cases::close(db, &Actor::Cli, at(30), &case, &close).await?;
        }
    }
    // First minor offence, corrected at once: not filed (第二十条第二项).
    let id = leads::create(
        db,
        &Actor::Cli,
        at(60),
        jiangan,
        &lead(e, "monitoring", "网络监测：外卖平台公示的许可证已过期", 60),
    )
    .await?;
    if let Some(l) = leads::by_id(db, id).await? {
        leads::decline(
            db,
            &Actor::Cli,
            at(55),
            &l,
            "first_minor",
            "初次违法，已当场更新公示信息，未造成危害后果；已对当事人进行教育",
        )
        .await?;
    }
    Ok(())
}
