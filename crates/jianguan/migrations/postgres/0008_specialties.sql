-- Inspectors' fields of enforcement (执法领域) in the inspector directory
-- (执法检查人员名录库): a JSON list of labels from org::model::SPECIALTIES;
-- random-draw teams for a task needing one are drawn among those who have
-- it (postgres dialect). Keep in step with the other dialect's 0008_specialties.sql.

alter table users add column specialties text not null default '[]';
