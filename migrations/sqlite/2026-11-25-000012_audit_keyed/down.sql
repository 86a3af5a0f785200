DROP TRIGGER audit_events_no_delete;
DROP TRIGGER audit_events_no_update;
ALTER TABLE audit_events DROP COLUMN key_id;
DROP INDEX sanctions_time;
DROP INDEX audit_events_action;
DROP INDEX audit_events_actor;
CREATE INDEX audit_events_actor ON audit_events (actor_staff_id, seq);
