-- Double random draws: tasks with their frozen inputs, commitment and
-- result (SQLite dialect).
-- Keep in step with migrations/postgres/0004_draws.sql.

create table draw_tasks (
    id                 integer primary key,
    title              text not null,
    department_id      bigint not null references departments(id),
    -- JSON: departments, items, regions, period, ratios, exclusions.
    spec               text not null,
    status             text not null,
    algorithm          text not null,
    -- JSON: candidates, full, inspectors, needs, recusals (frozen when scheduled).
    inputs             text not null,
    candidates         bigint not null,
    commitment         text not null,
    snapshot_digest    text not null,
    inspector_digest   text not null,
    -- Hex; revealed (published) only once the task is drawn.
    secret             text not null,
    public_value       text,
    -- JSON DrawResult.
    result             text,
    -- JSON list of recusals after the draw, replayed by verifiers in order.
    replacements       text not null default '[]',
    created_by         text not null,
    scheduled_at       text not null,
    drawn_at           text
);
create index draw_tasks_status on draw_tasks(status);
