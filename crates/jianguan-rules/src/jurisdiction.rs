//! Jurisdiction: which department's records a regulator may read or change,
//! and on what ground a department takes up a matter about an entity.
//!
//! Two kinds of data are told apart, because the law ties them to different
//! things:
//!
//! - **Territory** (an entity's registration, its licences, the key list):
//!   every regulator whose department's region covers the entity's division
//!   reads it, whatever the department's kind; supervision is shared there
//!   (国务院关于加强和规范事中事后监管的指导意见: 信息共享).
//! - **Work** (leads, cases, inspections, draw tasks, plans, import jobs):
//!   the record belongs to the department that did it. It is read by that
//!   department, by departments of the same kind whose region covers it (a
//!   superior bureau supervises its lower bureaus' enforcement, 行政处罚法
//!   第七十五条), and by departments that joined the work (联合检查); it is
//!   changed by its department and, where the rules let superiors act (the
//!   catalog), by same-kind superiors.
//!
//! A department takes up a lead about an entity registered in its region
//! (住所地, 程序规定第十条), or on a recorded ground when the entity is
//! elsewhere: the place of the act in its region (第七条、第八条), a transfer
//! (第十四条, or 其他部门移送 of 第十八条), or a designation by a common
//! superior (第十三条、第十五条). [`lead_ground`] is that check.

use crate::access::Role;
use crate::division::DivisionCode;

/// A department, as jurisdiction sees it. `K` is the department's kind
/// (market regulation, drug administration, …), defined by the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Office<K> {
    pub id: i64,
    pub kind: K,
    pub division: DivisionCode,
}

/// Who is asking: a role and, for regulators, their department.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer<K> {
    pub role: Role,
    pub office: Option<Office<K>>,
}

impl<K: PartialEq + Copy> Viewer<K> {
    fn regulator_office(&self) -> Option<&Office<K>> {
        match self.role {
            Role::Enterprise | Role::SysAdmin => None,
            _ => self.office.as_ref(),
        }
    }

    /// Reads an entity's territorial data (registration, licences, key
    /// list) in `division`.
    pub fn reads_territory(&self, division: &DivisionCode) -> bool {
        self.role == Role::SysAdmin || self.regulator_office().is_some_and(|o| o.division.covers(division))
    }

    /// Reads a record of `owner`'s work that departments `partners` joined.
    pub fn reads_work(&self, owner: &Office<K>, partners: &[i64]) -> bool {
        if self.role == Role::SysAdmin {
            return true;
        }
        let Some(me) = self.regulator_office() else {
            return false;
        };
        me.id == owner.id || partners.contains(&me.id) || supervises(me, owner)
    }

    /// Changes a record of `owner`'s work where a superior of the same kind
    /// may act for it (the catalog's items, plans).
    pub fn maintains_work(&self, owner: &Office<K>) -> bool {
        if self.role == Role::SysAdmin {
            return true;
        }
        self.regulator_office()
            .is_some_and(|me| me.id == owner.id || supervises(me, owner))
    }

    /// Keeps the register of market entities: only the registration
    /// authorities (登记机关) — the departments of the registering kind,
    /// `registrar` (市场主体登记管理条例实施细则第三条、第四条) — and the
    /// operator. Other departments read it and record the licences they
    /// issue.
    pub fn keeps_register(&self, registrar: K) -> bool {
        self.role == Role::SysAdmin || self.regulator_office().is_some_and(|o| o.kind == registrar)
    }

    /// The SQL filter on a work table: rows of this department, or of a
    /// department of the same kind in its region. `None` for the system
    /// administrator (no filter); for those who read no work, a filter no
    /// row passes.
    pub fn work_filter(&self) -> Option<WorkFilter<K>> {
        if self.role == Role::SysAdmin {
            return None;
        }
        Some(match self.regulator_office() {
            Some(me) => WorkFilter {
                own: me.id,
                kind: Some(me.kind),
                like: me.division.like_pattern(),
            },
            None => WorkFilter {
                own: -1,
                kind: None,
                like: "-".to_string(),
            },
        })
    }
}

/// `me` supervises `owner`: the same kind, and its region covers the
/// owner's (a bureau over its lower bureaus; not one kind over another).
pub fn supervises<K: PartialEq>(me: &Office<K>, owner: &Office<K>) -> bool {
    me.kind == owner.kind && me.division.covers(&owner.division)
}

/// Rows a viewer reads: `department_id = own or (kind = kind and division
/// like like)`. `kind` is `None` when no kind matches (nothing but `own`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkFilter<K> {
    pub own: i64,
    pub kind: Option<K>,
    pub like: String,
}

/// Why a department takes up a matter about an entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ground<K> {
    /// The entity is registered in the department's region (住所地).
    Domicile,
    /// The act took place in `place`, in the department's region
    /// (违法行为发生地, 程序规定第七条).
    PlaceOfAct { place: DivisionCode },
    /// Another department transferred the matter (程序规定第十四条; 其他部门
    /// 移送, 第十八条).
    Transfer { from: Office<K> },
    /// A superior designated or handed down the matter (程序规定第十三条、
    /// 第十五条).
    Designation { by: Office<K> },
}

impl<K> Ground<K> {
    pub fn as_str(&self) -> &'static str {
        match self {
            Ground::Domicile => "domicile",
            Ground::PlaceOfAct { .. } => "place_of_act",
            Ground::Transfer { .. } => "transfer",
            Ground::Designation { .. } => "designation",
        }
    }

    pub fn label_zh(&self) -> &'static str {
        ground_label_zh(self.as_str())
    }
}

/// The Chinese label of a stored ground (`domicile`, `place_of_act`,
/// `transfer`, `designation`).
pub fn ground_label_zh(kind: &str) -> &'static str {
    match kind {
        "place_of_act" => "违法行为发生地在本辖区（程序规定第七条）",
        "transfer" => "其他部门移送（程序规定第十四条）",
        "designation" => "上级部门指定或交办（程序规定第十三条、第十五条）",
        _ => "当事人住所地在本辖区",
    }
}

/// A ground that does not hold, with the article it fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroundError {
    #[error(
        "当事人登记在{entity}，不在本部门辖区；须载明管辖依据：违法行为发生地（第七条）、移送（第十四条）或上级指定（第十三条、第十五条）"
    )]
    OutsideRegion { entity: String },
    #[error("违法行为发生地 {place} 不在本部门辖区（程序规定第七条、第八条）")]
    PlaceOutside { place: String },
    #[error("移送须来自其他部门（程序规定第十四条）")]
    TransferFromSelf,
    #[error("指定管辖须由本部门的上级市场监督管理部门作出（程序规定第十三条、第十五条）")]
    NotSuperior,
}

/// Whether `dept` may take up a matter about an entity registered in
/// `entity`, on `ground`.
pub fn lead_ground<K: PartialEq>(
    dept: &Office<K>,
    entity: &DivisionCode,
    ground: &Ground<K>,
) -> Result<(), GroundError> {
    match ground {
        Ground::Domicile if dept.division.covers(entity) => Ok(()),
        Ground::Domicile => Err(GroundError::OutsideRegion {
            entity: entity.as_str().to_string(),
        }),
        Ground::PlaceOfAct { place } if dept.division.covers(place) => Ok(()),
        Ground::PlaceOfAct { place } => Err(GroundError::PlaceOutside {
            place: place.as_str().to_string(),
        }),
        Ground::Transfer { from } if from.id != dept.id => Ok(()),
        Ground::Transfer { .. } => Err(GroundError::TransferFromSelf),
        // A designation comes from a strict superior of the same kind
        // (上一级市场监督管理部门); a peer or another kind cannot designate.
        Ground::Designation { by } if by.id != dept.id && supervises(by, dept) && by.division != dept.division => {
            Ok(())
        }
        Ground::Designation { .. } => Err(GroundError::NotSuperior),
    }
}

/// Whether every region of a task lies in the department's region: a
/// department draws and inspects only on its own territory (程序规定第八条;
/// 双随机 tasks are set by the department for its area).
pub fn regions_within(dept: &DivisionCode, regions: &[DivisionCode]) -> Result<(), DivisionCode> {
    match regions.iter().find(|r| !dept.covers(r)) {
        Some(r) => Err(*r),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Kind {
        Market,
        Drug,
    }

    fn office(id: i64, kind: Kind, division: &str) -> Office<Kind> {
        Office {
            id,
            kind,
            division: DivisionCode::parse(division).unwrap(),
        }
    }

    fn viewer(role: Role, o: Office<Kind>) -> Viewer<Kind> {
        Viewer { role, office: Some(o) }
    }

    fn d(s: &str) -> DivisionCode {
        DivisionCode::parse(s).unwrap()
    }

    // Two cities, a county and two kinds, as the probe had them.
    fn province() -> [Office<Kind>; 5] {
        [
            office(1, Kind::Market, "420000"),
            office(2, Kind::Market, "420100"),
            office(3, Kind::Market, "420102"),
            office(4, Kind::Market, "420500"),
            office(5, Kind::Drug, "420000"),
        ]
    }

    #[test]
    fn work_is_read_by_its_department_and_same_kind_superiors_only() {
        let [prov, wuhan, jiangan, yichang, drug] = province();
        let lead_of_jiangan = jiangan;
        for (who, reads) in [
            (prov, true),
            (wuhan, true),
            (jiangan, true),
            (yichang, false),
            // 行政处罚法第七十五条 supervision runs within one system: the
            // province drug administration does not read a market bureau's
            // leads.
            (drug, false),
        ] {
            assert_eq!(
                viewer(Role::Inspector, who).reads_work(&lead_of_jiangan, &[]),
                reads,
                "{who:?}"
            );
        }
        // A county does not read its city's work.
        assert!(!viewer(Role::Inspector, jiangan).reads_work(&wuhan, &[]));
        // A partner of a joint inspection reads it.
        assert!(viewer(Role::Inspector, drug).reads_work(&jiangan, &[5]));
        assert!(
            Viewer::<Kind> {
                role: Role::SysAdmin,
                office: None
            }
            .reads_work(&jiangan, &[])
        );
        // An enterprise account with a department row still reads no work.
        assert!(!viewer(Role::Enterprise, jiangan).reads_work(&jiangan, &[]));
    }

    #[test]
    fn territory_is_read_by_every_regulator_of_the_region() {
        let [_, _, jiangan, yichang, drug] = province();
        let entity = d("420102");
        assert!(viewer(Role::Leader, drug).reads_territory(&entity));
        assert!(viewer(Role::Inspector, jiangan).reads_territory(&entity));
        assert!(!viewer(Role::Inspector, yichang).reads_territory(&entity));
        assert!(!viewer(Role::Enterprise, jiangan).reads_territory(&entity));
    }

    #[test]
    fn maintaining_work_is_for_the_maker_and_same_kind_superiors() {
        let [prov, wuhan, jiangan, yichang, drug] = province();
        assert!(viewer(Role::DeptAdmin, jiangan).maintains_work(&jiangan));
        assert!(viewer(Role::DeptAdmin, prov).maintains_work(&jiangan));
        assert!(!viewer(Role::DeptAdmin, yichang).maintains_work(&wuhan));
        assert!(!viewer(Role::DeptAdmin, jiangan).maintains_work(&prov));
        assert!(!viewer(Role::DeptAdmin, drug).maintains_work(&prov));
    }

    /// 市场主体登记管理条例实施细则第三条、第四条: the register is kept by
    /// the registration authorities.
    #[test]
    fn only_registration_authorities_keep_the_register() {
        let [prov, _, jiangan, _, drug] = province();
        assert!(viewer(Role::DeptAdmin, jiangan).keeps_register(Kind::Market));
        assert!(viewer(Role::Inspector, prov).keeps_register(Kind::Market));
        assert!(!viewer(Role::DeptAdmin, drug).keeps_register(Kind::Market));
        assert!(!viewer(Role::Enterprise, jiangan).keeps_register(Kind::Market));
        assert!(
            Viewer::<Kind> {
                role: Role::SysAdmin,
                office: None
            }
            .keeps_register(Kind::Market)
        );
    }

    #[test]
    fn work_filter_names_own_department_kind_and_region() {
        let [_, wuhan, ..] = province();
        let f = viewer(Role::Inspector, wuhan).work_filter().unwrap();
        assert_eq!(f.own, 2);
        assert_eq!(f.kind, Some(Kind::Market));
        assert_eq!(f.like, "4201%");
        assert!(
            Viewer::<Kind> {
                role: Role::SysAdmin,
                office: None
            }
            .work_filter()
            .is_none()
        );
        let none = Viewer::<Kind> {
            role: Role::Enterprise,
            office: None,
        }
        .work_filter()
        .unwrap();
        assert_eq!((none.own, none.kind), (-1, None));
    }

    /// 程序规定第十条: the entity's domicile in the region founds
    /// jurisdiction; elsewhere it does not, without another ground.
    #[test]
    fn domicile_in_region_founds_a_lead_and_elsewhere_needs_a_ground() {
        let [_, _, jiangan, yichang, _] = province();
        let entity = d("420102");
        assert_eq!(lead_ground(&jiangan, &entity, &Ground::Domicile), Ok(()));
        assert!(matches!(
            lead_ground(&yichang, &entity, &Ground::Domicile),
            Err(GroundError::OutsideRegion { .. })
        ));
    }

    /// 程序规定第七条、第八条: the place of the act, in the department's
    /// region.
    #[test]
    fn place_of_act_must_lie_in_the_region() {
        let [_, _, _, yichang, _] = province();
        let entity = d("420102");
        let in_yichang = Ground::PlaceOfAct { place: d("420502") };
        assert_eq!(lead_ground(&yichang, &entity, &in_yichang), Ok(()));
        let in_wuhan = Ground::PlaceOfAct { place: d("420103") };
        assert!(matches!(
            lead_ground(&yichang, &entity, &in_wuhan),
            Err(GroundError::PlaceOutside { .. })
        ));
    }

    /// 程序规定第十四条: a transfer comes from another department.
    #[test]
    fn transfer_comes_from_another_department() {
        let [_, _, jiangan, yichang, drug] = province();
        let entity = d("420102");
        assert_eq!(
            lead_ground(&yichang, &entity, &Ground::Transfer { from: jiangan }),
            Ok(())
        );
        assert_eq!(lead_ground(&yichang, &entity, &Ground::Transfer { from: drug }), Ok(()));
        assert_eq!(
            lead_ground(&yichang, &entity, &Ground::Transfer { from: yichang }),
            Err(GroundError::TransferFromSelf)
        );
    }

    /// 程序规定第十三条、第十五条: designation by a superior of the same
    /// kind, never by a peer or by itself.
    #[test]
    fn designation_comes_from_a_same_kind_superior() {
        let [prov, wuhan, jiangan, yichang, drug] = province();
        let entity = d("420102");
        assert_eq!(
            lead_ground(&yichang, &entity, &Ground::Designation { by: prov }),
            Ok(())
        );
        for by in [wuhan, jiangan, yichang, drug] {
            assert_eq!(
                lead_ground(&yichang, &entity, &Ground::Designation { by }),
                Err(GroundError::NotSuperior),
                "{by:?}"
            );
        }
    }

    #[test]
    fn task_regions_lie_in_the_department() {
        let wuhan = d("420100");
        assert_eq!(regions_within(&wuhan, &[d("420102"), d("420100")]), Ok(()));
        assert_eq!(regions_within(&wuhan, &[d("420102"), d("420500")]), Err(d("420500")));
    }
}
