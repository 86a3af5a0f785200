-- Every index is paid for on each write, and "take next" and decisions change a
-- registration's status on the hot path. Keep the ones the screens use:
-- a holder's registrations need (holder_id, kind) only, and the audit trail is browsed by
-- time, actor or target (an action filter reads a time range).
DROP INDEX handbooks_holder;
DROP INDEX handbooks_holder_kind;
CREATE INDEX handbooks_holder_kind ON handbooks (holder_id, kind);
DROP INDEX audit_events_action;
