-- Platform: organisation, accounts, sessions, audit chain (SQLite dialect).
-- Keep in step with migrations/postgres/0001_platform.sql.

create table departments (
    id            integer primary key,
    code          text not null unique,
    name          text not null,
    kind          text not null,
    division_code text not null,
    parent_id     integer references departments(id),
    created_at    text not null
);
create index departments_division on departments(division_code);

create table users (
    id                   integer primary key,
    username             text not null unique,
    display_name         text not null,
    role                 text not null,
    department_id        integer references departments(id),
    uscc                 text,
    cert_no              text,
    cert_valid_until     text,
    password_hash        text not null,
    failed_logins        integer not null default 0,
    locked_until         text,
    active               boolean not null default true,
    created_at           text not null,
    updated_at           text not null
);
create index users_department on users(department_id);

create table sessions (
    id_hash     text primary key,
    user_id     integer not null references users(id) on delete cascade,
    csrf_token  text not null,
    created_at  text not null,
    expires_at  text not null
);
create index sessions_user on sessions(user_id);

create table api_tokens (
    token_hash  text primary key,
    user_id     integer not null references users(id) on delete cascade,
    created_at  text not null,
    expires_at  text not null
);
create index api_tokens_user on api_tokens(user_id);

create table audit_log (
    seq            integer primary key check (seq > 0),
    at             text not null,
    actor          text not null,
    action         text not null,
    object_type    text not null,
    object_id      text not null,
    payload        text not null,
    payload_digest text not null,
    prev_hash      text not null,
    hash           text not null
);
create index audit_log_object on audit_log(object_type, object_id);

-- One row: the chain head. Appending updates it in the same transaction,
-- which serialises writers and lets verification notice deleted tail entries.
create table audit_head (
    id   integer primary key check (id = 1),
    seq  integer not null,
    hash text not null
);
insert into audit_head (id, seq, hash)
values (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

create table audit_checkpoints (
    day         text primary key,
    at          text not null,
    head_seq    integer not null,
    head_hash   text not null,
    public_key  text not null,
    signature   text not null
);
