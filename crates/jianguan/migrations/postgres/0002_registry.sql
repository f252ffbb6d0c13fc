-- Registry: reference tables and market entities (PostgreSQL dialect).
-- Keep in step with migrations/sqlite/0002_registry.sql.

create table divisions (
    code   text primary key,
    name   text not null,
    level  text not null,
    parent text
);

create table industries (
    code   text primary key,
    name   text not null,
    level  text not null,
    parent text
);

-- The market entity, keyed (and at national scale distributed) by its
-- unified social credit code. Entity-centred tables join on uscc only.
create table entities (
    uscc                   text primary key,
    name                   text not null,
    former_names           text not null default '',
    entity_type            text not null,
    legal_rep              text not null,
    registered_capital_fen bigint,
    established_on         date,
    status                 text not null,
    address                text not null,
    division_code          text not null,
    industry_code          text,
    business_scope         text not null default '',
    authority              text not null default '',
    latitude               double precision,
    longitude              double precision,
    version                bigint not null,
    created_at             timestamptz not null,
    updated_at             timestamptz not null
);
create index entities_division on entities(division_code);
create index entities_industry on entities(industry_code);
create index entities_status on entities(status);
create index entities_name on entities(name text_pattern_ops);

-- Superseded versions: the row as it was before each change.
create table entity_versions (
    uscc        text not null,
    version     bigint not null,
    snapshot    text not null,
    replaced_at timestamptz not null,
    replaced_by text not null,
    primary key (uscc, version)
);

create table licences (
    uscc         text not null,
    licence_type text not null,
    number       text not null,
    issuer       text not null default '',
    valid_from   date,
    valid_until  date,
    created_at   timestamptz not null,
    primary key (uscc, licence_type, number)
);

-- Progress of a file import, committed with each batch so that a rerun of
-- the same file resumes after the last whole batch.
create table import_jobs (
    id          text primary key,
    kind        text not null,
    file_name   text not null,
    file_sha256 text not null,
    status      text not null,
    total_rows  bigint,
    rows_done   bigint not null default 0,
    inserted    bigint not null default 0,
    updated     bigint not null default 0,
    unchanged   bigint not null default 0,
    bad_rows    bigint not null default 0,
    errors_file text,
    message     text,
    created_by  text not null,
    created_at  timestamptz not null,
    updated_at  timestamptz not null
);
create index import_jobs_file on import_jobs(file_sha256, kind);
