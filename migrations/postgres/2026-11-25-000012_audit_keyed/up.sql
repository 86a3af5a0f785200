-- The audit chain is keyed: each row's `hash` is an HMAC-SHA256 under the key `key_id` names,
-- a key held outside the database. Rows written before (key_id NULL) keep their plain SHA-256;
-- verification accepts them only ahead of every keyed row.
ALTER TABLE audit_events ADD COLUMN key_id TEXT;

-- The trail is append-only: the database itself refuses to change or remove an event.
-- Production: the console's role needs only
--   GRANT SELECT, INSERT ON audit_events TO console;
--   GRANT SELECT, UPDATE ON audit_head TO console;
-- and must not own these tables, so it cannot drop or disable the triggers either.
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

-- The audit browser and export read by time within each filter, so the filters' indexes end
-- in (occurred_at, seq), the keyset of their pages. An action filter gets its index back: a
-- rare action (a sanction, an export) would otherwise scan a month of card reads.
DROP INDEX audit_events_actor;
CREATE INDEX audit_events_actor ON audit_events (actor_staff_id, occurred_at, seq);
CREATE INDEX audit_events_action ON audit_events (action, occurred_at, seq);
-- sanctions.csv pages by request time.
CREATE INDEX sanctions_time ON sanctions (requested_at, id);
