-- On-site check-in after scanning an entity's QR code, the audit entry of
-- each inspection (for the enterprise's receipt), and the enterprise's
-- confirmation and rating (sqlite dialect). Keep in step with the other
-- dialect's 0006_checkins.sql.

create table checkins (
    id        integer primary key,
    uscc      text not null,
    user_id   bigint not null references users(id),
    at        text not null,
    latitude  real,
    longitude real
);
create index checkins_uscc on checkins(uscc);

alter table inspections add column checkin_id bigint references checkins(id);
alter table inspections add column no_checkin_reason text not null default '';
alter table inspections add column audit_seq bigint;

create table inspection_feedback (
    inspection_id bigint primary key references inspections(id),
    confirmed_at  text not null,
    rating        integer not null check (rating between 1 and 5),
    comment       text not null default '',
    user_id       bigint not null references users(id)
);

-- Conflicts of interest an inspector declares with an entity (回避,
-- 行政处罚法第四十三条): never drawn for it.
create table conflicts (
    user_id     bigint not null references users(id),
    uscc        text not null,
    reason      text not null,
    declared_at text not null,
    primary key (user_id, uscc)
);
