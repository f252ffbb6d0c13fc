-- Catalog: supervision items and their versions, key-supervision list,
-- tolerance lists, annual plans; and the inspection record every context
-- cites items through (SQLite dialect).
-- Keep in step with migrations/postgres/0003_catalog.sql.

-- The current state of each item; `content` is the JSON of the current
-- version (legal bases, scope, methods, checklist ...).
create table catalog_items (
    code            text primary key,
    version         bigint not null,
    status          text not null,
    name            text not null,
    level           text not null,
    department_kind text not null,
    content         text not null,
    ever_published  integer not null default 0,
    created_at      text not null,
    updated_at      text not null
);
create index catalog_items_kind on catalog_items(department_kind, status);

-- Every version of every item, frozen once published: an action keeps the
-- (code, version) it used and reads its text from here.
create table catalog_item_versions (
    code       text not null references catalog_items(code),
    version    bigint not null,
    content    text not null,
    created_at text not null,
    created_by text not null,
    primary key (code, version)
);

-- Key-supervision list (重点监管清单): items, and entities under them.
create table key_items (
    item_code text primary key references catalog_items(code),
    reason    text not null,
    period    text not null,
    added_at  text not null,
    added_by  text not null
);

create table key_entities (
    item_code text not null references key_items(item_code),
    uscc      text not null,
    reason    text not null,
    added_at  text not null,
    added_by  text not null,
    primary key (item_code, uscc)
);
create index key_entities_uscc on key_entities(uscc);

-- Tolerance lists (包容审慎): 首违不罚 and reduced-penalty entries.
create table tolerance_entries (
    id            integer primary key,
    department_id bigint not null references departments(id),
    list_kind     text not null,
    item_code     text not null references catalog_items(code),
    behaviour     text not null,
    legal_basis   text not null,
    conditions    text not null,
    treatment     text not null,
    created_at    text not null
);
create index tolerance_department on tolerance_entries(department_id);

-- Annual supervision plans and their lines.
create table plans (
    id            integer primary key,
    department_id bigint not null references departments(id),
    year          integer not null,
    title         text not null,
    status        text not null,
    created_by    text not null,
    created_at    text not null,
    approved_by   text,
    approved_at   text,
    published_at  text,
    unique (department_id, year)
);

create table plan_lines (
    plan_id       bigint not null references plans(id),
    line_no       integer not null,
    item_code     text not null references catalog_items(code),
    method        text not null,
    ratio_bp      integer,
    planned_count bigint,
    periods       text not null,
    partners      text not null,
    primary key (plan_id, line_no)
);

-- Inspections: who inspected which entity under which item versions, when.
-- (Issue 6 adds check-in, checklist answers, evidence and signing.)
create table inspections (
    id            integer primary key,
    uscc          text not null,
    department_id bigint not null references departments(id),
    method        text not null,
    source        text not null,
    inspected_on  text not null,
    team          text not null,
    outcome       text not null,
    notes         text not null default '',
    created_by    text not null,
    created_at    text not null
);
create index inspections_uscc on inspections(uscc);
create index inspections_department on inspections(department_id, inspected_on);

create table inspection_items (
    inspection_id bigint not null references inspections(id),
    item_code     text not null,
    item_version  bigint not null,
    primary key (inspection_id, item_code)
);
create index inspection_items_item on inspection_items(item_code);
