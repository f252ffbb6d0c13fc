-- Evidence files of inspections, stored content-addressed by SHA-256 in the
-- data folder; the database keeps what each file is and where it belongs
-- (sqlite dialect). Keep in step with the other dialect's 0005_evidence.sql.

create table evidence (
    id            integer primary key,
    inspection_id bigint not null references inspections(id),
    sha256        text not null,
    file_name     text not null,
    content_type  text not null,
    size          bigint not null,
    created_by    text not null,
    created_at    text not null
);
create index evidence_inspection on evidence(inspection_id);
create index evidence_sha256 on evidence(sha256);
