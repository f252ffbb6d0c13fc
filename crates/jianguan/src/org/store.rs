//! SQL for departments and accounts. Every write records an audit entry in
//! the same transaction.

use chrono::{DateTime, NaiveDate, Utc};
use jianguan_rules::access::DataScope;
use jianguan_rules::{DivisionCode, Role};
use serde_json::json;

use super::model::{Department, DeptKind, NewDepartment, NewUser, User};
use crate::audit::{Actor, record};
use crate::platform::auth::password;
use crate::platform::db::{Db, Tx, unique_violation};
use crate::platform::error::{AppError, AppResult, ErrorCode};
use crate::{on_db, on_tx};

#[derive(sqlx::FromRow)]
struct DeptRow {
    id: i64,
    code: String,
    name: String,
    kind: String,
    division_code: String,
    parent_code: Option<String>,
}

impl From<DeptRow> for Department {
    fn from(r: DeptRow) -> Self {
        Department {
            id: r.id,
            code: r.code,
            name: r.name,
            kind: DeptKind::parse(&r.kind).unwrap_or(DeptKind::Other),
            division_code: r.division_code,
            parent_code: r.parent_code,
        }
    }
}

const DEPT_SELECT: &str = "select d.id, d.code, d.name, d.kind, d.division_code, p.code as parent_code
     from departments d left join departments p on p.id = d.parent_id";

/// Departments within a scope, ordered by division then code (a tree walk order).
pub async fn list_departments(db: &Db, scope: &DataScope) -> Result<Vec<Department>, sqlx::Error> {
    let (sql, pattern) = scoped(
        DEPT_SELECT,
        "d.division_code",
        scope,
        "order by d.division_code, d.code",
    );
    let rows: Vec<DeptRow> = on_db!(db, pool => sqlx::query_as(&sql).bind(pattern).fetch_all(pool).await?);
    Ok(rows.into_iter().map(Department::from).collect())
}

pub async fn department_by_code(db: &Db, code: &str) -> Result<Option<Department>, sqlx::Error> {
    let sql = format!("{DEPT_SELECT} where d.code = $1");
    let row: Option<DeptRow> = on_db!(db, pool => sqlx::query_as(&sql).bind(code).fetch_optional(pool).await?);
    Ok(row.map(Department::from))
}

/// Build a query limited to a data scope on a division column. The scope is
/// bound as a LIKE pattern; `All` binds `%`, `None` binds a pattern nothing matches.
fn scoped(select: &str, column: &str, scope: &DataScope, tail: &str) -> (String, String) {
    (format!("{select} where {column} like $1 {tail}"), scope.like_pattern())
}

/// Create a department. The parent, if given, must exist and cover the new
/// department's region.
pub async fn create_department(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    new: &NewDepartment,
) -> AppResult<Department> {
    let division = new.validate()?;
    let parent = match new.parent_code.as_deref().filter(|s| !s.is_empty()) {
        Some(pc) => {
            let p = department_by_code(db, pc)
                .await?
                .ok_or_else(|| AppError::field(ErrorCode::ValidationFailed, "parent_code", "no such department"))?;
            if !p.division().is_some_and(|pd| pd.covers(&division)) {
                return Err(AppError::field(
                    ErrorCode::ValidationFailed,
                    "parent_code",
                    "the parent department's region must contain this department's region",
                ));
            }
            Some(p)
        }
        None => None,
    };
    let mut tx = db.begin().await?;
    let id = insert_department(&mut tx, new, division, parent.as_ref().map(|p| p.id), now).await?;
    record(
        &mut tx,
        now,
        actor,
        "department.create",
        ("department", &id.to_string()),
        &json!({"code": new.code.trim(), "name": new.name.trim(), "kind": new.kind.as_str(),
                "division_code": division.as_str(), "parent_code": parent.as_ref().map(|p| &p.code)}),
    )
    .await?;
    tx.commit().await?;
    department_by_code(db, new.code.trim())
        .await?
        .ok_or_else(|| AppError::not_found("department"))
}

async fn insert_department(
    tx: &mut Tx,
    new: &NewDepartment,
    division: DivisionCode,
    parent_id: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let res: Result<i64, sqlx::Error> = on_tx!(tx, c => {
        sqlx::query_scalar(
            "insert into departments (code, name, kind, division_code, parent_id, created_at)
             values ($1, $2, $3, $4, $5, $6) returning id",
        )
        .bind(new.code.trim())
        .bind(new.name.trim())
        .bind(new.kind.as_str())
        .bind(division.as_str())
        .bind(parent_id)
        .bind(now)
        .fetch_one(&mut *c)
        .await
    });
    res.map_err(|e| {
        if unique_violation(&e) {
            AppError::field(
                ErrorCode::DepartmentExists,
                "code",
                "a department with this code exists",
            )
        } else {
            AppError::from(e)
        }
    })
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    department_code: Option<String>,
    uscc: Option<String>,
    cert_no: Option<String>,
    cert_valid_until: Option<NaiveDate>,
    specialties: String,
    active: bool,
    locked_until: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl UserRow {
    fn into_user(self) -> Result<User, sqlx::Error> {
        let role = self
            .role
            .parse::<Role>()
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        Ok(User {
            id: self.id,
            username: self.username,
            display_name: self.display_name,
            role,
            department_code: self.department_code,
            uscc: self.uscc,
            cert_no: self.cert_no,
            cert_valid_until: self.cert_valid_until,
            specialties: serde_json::from_str(&self.specialties).unwrap_or_default(),
            active: self.active,
            locked_until: self.locked_until,
            created_at: self.created_at,
        })
    }
}

const USER_SELECT: &str = "select u.id, u.username, u.display_name, u.role, d.code as department_code,
            u.uscc, u.cert_no, u.cert_valid_until, u.specialties, u.active, u.locked_until, u.created_at
     from users u left join departments d on d.id = u.department_id";

pub async fn user_by_id(db: &Db, id: i64) -> Result<Option<User>, sqlx::Error> {
    let sql = format!("{USER_SELECT} where u.id = $1");
    let row: Option<UserRow> = on_db!(db, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?);
    row.map(UserRow::into_user).transpose()
}

pub async fn user_by_username(db: &Db, username: &str) -> Result<Option<User>, sqlx::Error> {
    let sql = format!("{USER_SELECT} where u.username = $1");
    let row: Option<UserRow> =
        on_db!(db, pool => sqlx::query_as(&sql).bind(username.trim()).fetch_optional(pool).await?);
    row.map(UserRow::into_user).transpose()
}

/// Accounts whose department lies in the scope (system administrators see
/// all, including accounts without a department).
pub async fn list_users(db: &Db, scope: &DataScope) -> Result<Vec<User>, sqlx::Error> {
    let (sql, pattern) = match scope {
        DataScope::All => (format!("{USER_SELECT} order by u.id"), "%".to_string()),
        _ => scoped(USER_SELECT, "d.division_code", scope, "order by u.id"),
    };
    let rows: Vec<UserRow> = on_db!(db, pool => sqlx::query_as(&sql).bind(pattern).fetch_all(pool).await?);
    rows.into_iter().map(UserRow::into_user).collect()
}

/// Who manages accounts: the whole system (system administrators, the
/// command line) or one department's administrator, who manages the
/// accounts of that department and the departments under it.
#[derive(Debug, Clone, Copy)]
pub enum Manager<'a> {
    System,
    Department(&'a Department),
}

/// Whether `code` is `root` or a department below it.
pub async fn in_subtree(db: &Db, root: &Department, code: &str) -> Result<bool, sqlx::Error> {
    let mut cur = department_by_code(db, code).await?;
    // The tree is shallow (province → city → county); the bound only guards
    // against a cycle typed into the database by hand.
    for _ in 0..16 {
        match cur {
            Some(d) if d.id == root.id => return Ok(true),
            Some(Department {
                parent_code: Some(p), ..
            }) => cur = department_by_code(db, &p).await?,
            _ => return Ok(false),
        }
    }
    Ok(false)
}

impl Manager<'_> {
    /// May this manager look after an account of `role` in department `code`?
    pub async fn may_manage(&self, db: &Db, role: Role, code: Option<&str>) -> AppResult<()> {
        match self {
            Manager::System => Ok(()),
            // System administrators and enterprise accounts (which belong to
            // no department) are created system-wide only.
            Manager::Department(_) if matches!(role, Role::SysAdmin | Role::Enterprise) => Err(AppError::forbidden()),
            // A department's administrators are looked after from above:
            // a peer administrator cannot reset another's password and so
            // take over the account.
            Manager::Department(root) if role == Role::DeptAdmin && code == Some(root.code.as_str()) => Err(
                AppError::new(ErrorCode::Forbidden, "本部门管理员账号由上级部门管理员或系统管理员管理"),
            ),
            Manager::Department(root) => match code {
                Some(c) if in_subtree(db, root, c).await? => Ok(()),
                _ => Err(AppError::out_of_scope()),
            },
        }
    }
}

/// Create an account on behalf of `manager`.
pub async fn create_user(
    db: &Db,
    actor: &Actor,
    manager: Manager<'_>,
    now: DateTime<Utc>,
    new: &NewUser,
) -> AppResult<User> {
    let uscc = new.validate()?;
    let dept =
        match new.department_code.as_deref().filter(|s| !s.is_empty()) {
            Some(code) => Some(department_by_code(db, code).await?.ok_or_else(|| {
                AppError::field(ErrorCode::ValidationFailed, "department_code", "no such department")
            })?),
            None => None,
        };
    manager
        .may_manage(db, new.role, dept.as_ref().map(|d| d.code.as_str()))
        .await?;
    let display = new
        .display_name
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or(new.username.trim());
    // A name shown on records and lists must read as what it is.
    if let Some(c) = jianguan_rules::text::bidi_control(display).or_else(|| jianguan_rules::text::control_char(display))
    {
        return Err(AppError::field(
            ErrorCode::ValidationFailed,
            "display_name",
            format!("姓名含有改变文字方向或不可见的字符 U+{:04X}", c as u32),
        ));
    }
    // `ADMIN` beside `admin` is a second account that reads as the first.
    let taken: Option<i64> = on_db!(db, pool => sqlx::query_scalar("select id from users where lower(username) = lower($1)")
        .bind(new.username.trim()).fetch_optional(pool).await?);
    if taken.is_some() {
        return Err(AppError::field(
            ErrorCode::UsernameTaken,
            "username",
            "an account with this username exists (usernames are compared without case)",
        ));
    }
    let hash = password::hash(&new.password)?;
    let mut tx = db.begin().await?;
    let res: Result<i64, sqlx::Error> = on_tx!(tx, c => {
        sqlx::query_scalar(
            "insert into users (username, display_name, role, department_id, uscc, cert_no, cert_valid_until,
                                password_hash, failed_logins, active, created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, 0, true, $9, $9) returning id",
        )
        .bind(new.username.trim())
        .bind(display)
        .bind(new.role.as_str())
        .bind(dept.as_ref().map(|d| d.id))
        .bind(uscc.map(|u| u.to_string()))
        .bind(new.cert_no.as_deref().map(str::trim))
        .bind(new.cert_valid_until)
        .bind(&hash)
        .bind(now)
        .fetch_one(&mut *c)
        .await
    });
    let id = res.map_err(|e| {
        if unique_violation(&e) {
            AppError::field(
                ErrorCode::UsernameTaken,
                "username",
                "an account with this username exists",
            )
        } else {
            AppError::from(e)
        }
    })?;
    record(
        &mut tx,
        now,
        actor,
        "user.create",
        ("user", &id.to_string()),
        &json!({"username": new.username.trim(), "role": new.role.as_str(),
                "department_code": dept.as_ref().map(|d| &d.code), "uscc": uscc.map(|u| u.to_string()),
                "cert_no": new.cert_no, "cert_valid_until": new.cert_valid_until}),
    )
    .await?;
    tx.commit().await?;
    user_by_id(db, id).await?.ok_or_else(|| AppError::not_found("user"))
}

/// Set a new password (and clear any lock-out).
pub async fn set_password(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    user_id: i64,
    new_password: &str,
) -> AppResult<()> {
    jianguan_rules::login::check_password(new_password)
        .map_err(|e| AppError::field(ErrorCode::WeakPassword, "password", e.to_string()))?;
    let hash = password::hash(new_password)?;
    let mut tx = db.begin().await?;
    on_tx!(tx, c => {
        sqlx::query("update users set password_hash = $1, failed_logins = 0, locked_until = null, updated_at = $2 where id = $3")
            .bind(&hash)
            .bind(now)
            .bind(user_id)
            .execute(&mut *c)
            .await?;
        // Existing sessions and tokens end with the old password.
        sqlx::query("delete from sessions where user_id = $1").bind(user_id).execute(&mut *c).await?;
        sqlx::query("delete from api_tokens where user_id = $1").bind(user_id).execute(&mut *c).await?;
        sqlx::query("delete from login_failures where user_id = $1").bind(user_id).execute(&mut *c).await?;
    });
    record(
        &mut tx,
        now,
        actor,
        "user.set_password",
        ("user", &user_id.to_string()),
        &json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Counts for dashboards.
/// List an inspector's fields of enforcement (执法领域) in the directory;
/// each must be one of [`SPECIALTIES`](super::model::SPECIALTIES).
pub async fn set_specialties(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    user: &User,
    specialties: &[String],
) -> AppResult<Vec<String>> {
    if user.role != Role::Inspector {
        return Err(AppError::field(
            ErrorCode::ValidationFailed,
            "specialties",
            "只有执法人员登记执法领域",
        ));
    }
    let mut list: Vec<String> = Vec::new();
    for s in specialties.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if !super::model::SPECIALTIES.contains(&s) {
            return Err(AppError::field(
                ErrorCode::ValidationFailed,
                "specialties",
                format!("“{s}”不是执法领域，应为：{}", super::model::SPECIALTIES.join("、")),
            ));
        }
        if !list.iter().any(|x| x == s) {
            list.push(s.to_string());
        }
    }
    let text = serde_json::to_string(&list).map_err(AppError::internal)?;
    let mut tx = db.begin().await?;
    on_tx!(tx, c => sqlx::query("update users set specialties = $2, updated_at = $3 where id = $1")
        .bind(user.id).bind(&text).bind(now).execute(&mut *c).await?.rows_affected());
    record(
        &mut tx,
        now,
        actor,
        "user.specialties",
        ("user", &user.id.to_string()),
        &json!({"specialties": list}),
    )
    .await?;
    tx.commit().await?;
    Ok(list)
}

pub async fn counts(db: &Db, scope: &DataScope) -> Result<(i64, i64), sqlx::Error> {
    let pattern = scope.like_pattern();
    on_db!(db, pool => {
        let depts: i64 = sqlx::query_scalar("select count(*) from departments where division_code like $1")
            .bind(&pattern)
            .fetch_one(pool)
            .await?;
        let users: i64 = sqlx::query_scalar(
            "select count(*) from users u left join departments d on d.id = u.department_id
             where coalesce(d.division_code, '') like $1",
        )
        .bind(&pattern)
        .fetch_one(pool)
        .await?;
        Ok((depts, users))
    })
}

/// The active inspectors of a department: (username, name, certificate
/// valid until), by username.
pub async fn inspectors_of(
    db: &Db,
    department_id: i64,
) -> Result<Vec<(String, String, Option<chrono::NaiveDate>)>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "select username, display_name, cert_valid_until from users
         where department_id = $1 and role = 'inspector' and active = true order by username")
        .bind(department_id).fetch_all(pool).await)
}
