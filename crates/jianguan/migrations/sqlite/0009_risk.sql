-- Risk levels professional fields grade entities at (专业领域风险分级, A low
-- to D high), one per entity and department kind; internal, never published
-- as such. Random-inspection tasks may set a ratio per level (sqlite dialect).
-- Keep in step with the other dialect's 0009_risk.sql.

create table entity_risk (
    uscc            text not null,
    department_kind text not null,
    level           text not null check (level in ('A', 'B', 'C', 'D')),
    basis           text not null,
    graded_on       text not null,
    department_id   bigint not null references departments(id),
    graded_by       text not null,
    graded_at       text not null,
    primary key (uscc, department_kind)
);
create index entity_risk_kind on entity_risk(department_kind, level);
