-- Enforcement from lead to closure (市场监督管理行政处罚程序规定第十八条至
-- 第二十条, 第六十四条, 第七十七条) and the working-day calendar the periods
-- are counted on (sqlite dialect). Keep in step with the other dialect's
-- 0010_enforcement.sql.

-- Yearly holiday schedules entered by administrators, over the ones shipped
-- in jianguan_rules::calendar (JSON YearSchedule).
create table calendar_years (
    year     integer primary key,
    schedule text not null,
    set_by   text not null,
    set_at   text not null
);

create table leads (
    id               integer primary key,
    department_id    bigint not null references departments(id),
    uscc             text not null,
    source           text not null,
    inspection_id    bigint references inspections(id),
    summary          text not null,
    act_ended_on     text,
    grave            boolean not null default false,
    found_on         text not null,
    verify_by        text not null,
    extension_reason text,
    status           text not null check (status in ('pending', 'filed', 'declined')),
    decline_ground   text,
    decision_note    text,
    decided_on       text,
    decided_by       text,
    created_by       text not null,
    created_at       text not null
);
-- One lead per inspection transferred to a case.
create unique index leads_inspection on leads(inspection_id) where inspection_id is not null;
create index leads_department on leads(department_id, status, verify_by);

create table cases (
    id             integer primary key,
    case_no        text not null unique,
    lead_id        bigint not null unique references leads(id),
    department_id  bigint not null references departments(id),
    uscc           text not null,
    cause          text not null,
    filed_on       text not null,
    due_on         text not null,
    extensions     integer not null default 0,
    status         text not null check (status in ('open', 'closed')),
    closure_ground text,
    closure_note   text,
    closed_on      text,
    created_at     text not null
);
create index cases_entity on cases(uscc, status);
create index cases_department on cases(department_id, status, due_on);

create table case_officers (
    case_id bigint not null references cases(id),
    user_id bigint not null references users(id),
    primary key (case_id, user_id)
);

-- Each case's own chain of steps (行政处罚法第四十七条 全过程记录): every
-- entry hashes the previous one; entries are never changed or removed.
create table case_events (
    case_id   bigint not null references cases(id),
    seq       integer not null,
    at        text not null,
    actor     text not null,
    action    text not null,
    payload   text not null,
    prev_hash text not null,
    hash      text not null,
    primary key (case_id, seq)
);
create trigger case_events_immutable before update on case_events
begin select raise(abort, 'case events are never changed or removed'); end;
create trigger case_events_no_delete before delete on case_events
begin select raise(abort, 'case events are never changed or removed'); end;
