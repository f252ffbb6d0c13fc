-- Time kept out of enforcement periods (检测、检验、鉴定, 听证, 中止 ...;
-- 市场监督管理行政处罚程序规定第十八条第二款、第六十四条第二款) and the
-- heads' collective extension of a case (第六十四条) (sqlite dialect).
-- Keep in step with the other dialect's 0011_enforcement_clock.sql.

create table clock_pauses (
    id         integer primary key,
    subject    text not null check (subject in ('lead', 'case')),
    subject_id bigint not null,
    kind       text not null,
    reason     text not null,
    from_on    text not null,
    to_on      text,
    created_by text not null,
    created_at text not null
);
create index clock_pauses_subject on clock_pauses(subject, subject_id);
-- At most one running pause per lead or case.
create unique index clock_pauses_running on clock_pauses(subject, subject_id) where to_on is null;

alter table cases add column collective_on text;
alter table cases add column collective_until text;
