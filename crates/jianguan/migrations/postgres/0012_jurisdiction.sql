-- Jurisdiction (市场监督管理行政处罚程序规定第七条至第十六条) (postgres dialect).
-- Keep in step with the other dialect's 0012_jurisdiction.sql.

-- The ground on which a department took up a lead: the entity's domicile
-- in its region, the place of the act (第七条), a transfer (第十四条) or a
-- superior's designation (第十三条、第十五条), with the document that says so.
alter table leads add column ground text not null default 'domicile';
alter table leads add column ground_place text;
alter table leads add column ground_department_id bigint references departments(id);
alter table leads add column ground_reference text;

-- Whose import a job is: its department and that department's superiors
-- read it (jobs started from the command line have none).
alter table import_jobs add column department_id bigint references departments(id);

-- Partners of a joint draw task join by accepting it; the directories are
-- frozen only when every partner has.
create table draw_partners (
    task_id       bigint not null references draw_tasks(id),
    department_id bigint not null references departments(id),
    answer        text not null default 'pending' check (answer in ('pending', 'accepted', 'declined')),
    answered_by   text,
    answered_at   timestamptz,
    primary key (task_id, department_id)
);
create index draw_partners_department on draw_partners(department_id, answer);

-- The officers named on an inspection who signed it (the recorder) or
-- confirmed it since; the others are shown as awaiting confirmation.
create table inspection_cosigns (
    inspection_id bigint not null references inspections(id),
    user_id       bigint not null references users(id),
    cosigned_at   timestamptz not null,
    primary key (inspection_id, user_id)
);

-- The department that made a catalog item: it and its same-kind superiors
-- keep it; items loaded by the operator are kept by the province's
-- department of the item's kind.
alter table catalog_items add column department_id bigint references departments(id);

-- Failed sign-ins per account and client address: five in a row lock the
-- account for that address only, so that a stranger elsewhere cannot lock
-- the administrator out (GB/T 22239-2019 8.1.4.1 b).
create table login_failures (
    user_id      bigint not null references users(id),
    client       text not null,
    failures     bigint not null default 0,
    locked_until timestamptz,
    primary key (user_id, client)
);
