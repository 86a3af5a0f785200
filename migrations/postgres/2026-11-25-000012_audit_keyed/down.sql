DROP TRIGGER audit_events_no_truncate ON audit_events;
DROP TRIGGER audit_events_no_delete ON audit_events;
DROP TRIGGER audit_events_no_update ON audit_events;
DROP FUNCTION audit_events_append_only();
ALTER TABLE audit_events DROP COLUMN key_id;
DROP INDEX sanctions_time;
DROP INDEX audit_events_action;
DROP INDEX audit_events_actor;
CREATE INDEX audit_events_actor ON audit_events (actor_staff_id, seq);
