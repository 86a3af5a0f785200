CREATE INDEX audit_events_action ON audit_events (action, seq);
DROP INDEX handbooks_holder_kind;
CREATE INDEX handbooks_holder_kind ON handbooks (holder_id, kind, status);
CREATE INDEX handbooks_holder ON handbooks (holder_id, id);
