-- Checklist answers, photos tied to checklist points, EXIF metadata of
-- evidence, corrections, rectification follow-ups, joint visits and the
-- too-frequent-visits alert (sqlite dialect). Keep in step with the other
-- dialect's 0007_checklists.sql.

create table inspection_answers (
    inspection_id bigint not null references inspections(id),
    item_code     text not null,
    point         integer not null,
    answer        text not null,
    verdict       text not null,
    primary key (inspection_id, item_code, point)
);

-- A correction is a new record naming the one it corrects; a follow-up
-- names the order to rectify it checks; a joint visit's records name the
-- first record of the visit.
alter table inspections add column rectify_by text;
alter table inspections add column corrects bigint references inspections(id);
alter table inspections add column follows_up bigint references inspections(id);
alter table inspections add column joint_with bigint references inspections(id);
alter table inspections add column submission_id text;
-- One correction per record, one part per department and visit, one record
-- per submitted form (a form re-sent after a lost answer is not signed twice).
create unique index inspections_corrects on inspections(corrects) where corrects is not null;
create unique index inspections_joint_part on inspections(joint_with, department_id) where joint_with is not null and corrects is null;
create unique index inspections_submission on inspections(submission_id) where submission_id is not null;
create index inspections_follows_up on inspections(follows_up);
create index inspections_joint_with on inspections(joint_with);

-- Evidence uploaded before the record is signed (from a phone, point by
-- point); signing links it to the record.
create table evidence_staged (
    sha256       text not null,
    user_id      bigint not null references users(id),
    file_name    text not null,
    content_type text not null,
    size         bigint not null,
    taken_at     text,
    latitude     double precision,
    longitude    double precision,
    created_at   text not null,
    primary key (user_id, sha256)
);

alter table evidence add column item_code text;
alter table evidence add column point integer;
alter table evidence add column taken_at text;
alter table evidence add column latitude double precision;
alter table evidence add column longitude double precision;

-- 无事不扰: the rule (one row) and the alerts it raised.
create table visit_alert_rule (
    id          integer primary key check (id = 1),
    max_visits  integer not null check (max_visits >= 1),
    period_days integer not null check (period_days between 1 and 366),
    updated_by  text not null,
    updated_at  text not null
);
insert into visit_alert_rule values (1, 3, 90, 'system', '2026-01-01T00:00:00Z');

create table visit_alerts (
    id            integer primary key,
    uscc          text not null,
    inspection_id bigint not null references inspections(id),
    visits        integer not null,
    max_visits    integer not null,
    window_start  text not null,
    window_end    text not null,
    raised_at     text not null
);
create index visit_alerts_uscc on visit_alerts(uscc, window_end);

-- Signed records are immutable: a correction is a new, linked record.
create trigger inspections_signed_immutable before update on inspections
when old.audit_seq is not null
begin select raise(abort, 'inspection records are immutable once signed'); end;
create trigger inspections_no_delete before delete on inspections
begin select raise(abort, 'inspection records are never deleted'); end;
create trigger inspection_items_immutable before update on inspection_items
begin select raise(abort, 'inspection records are immutable once signed'); end;
create trigger inspection_items_no_delete before delete on inspection_items
begin select raise(abort, 'inspection records are never deleted'); end;
create trigger inspection_answers_immutable before update on inspection_answers
begin select raise(abort, 'inspection records are immutable once signed'); end;
create trigger inspection_answers_no_delete before delete on inspection_answers
begin select raise(abort, 'inspection records are never deleted'); end;
create trigger evidence_immutable before update on evidence
begin select raise(abort, 'evidence is immutable'); end;
create trigger evidence_no_delete before delete on evidence
begin select raise(abort, 'evidence is never deleted'); end;
