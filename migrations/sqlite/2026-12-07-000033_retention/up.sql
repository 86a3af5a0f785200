-- Retention: when an ID ended (withdrawn, deprived or deleted), when the schedule removed its
-- photos and transcriptions (and those of a rejected or replaced registration), and the
-- litigation holds that keep a holder's data past its period.
ALTER TABLE holders ADD COLUMN ended_at TIMESTAMP;
ALTER TABLE holders ADD COLUMN retention_purged_at TIMESTAMP;
ALTER TABLE handbooks ADD COLUMN retention_purged_at TIMESTAMP;
-- IDs that ended before this column: the withdrawal's or erasure's time, else the last change.
UPDATE holders SET ended_at = COALESCE(withdrawn_at, deleted_at, updated_at)
    WHERE status IN ('withdrawn', 'revoked') OR deleted_at IS NOT NULL;
CREATE INDEX holders_retention_due ON holders (ended_at) WHERE retention_purged_at IS NULL AND ended_at IS NOT NULL;
CREATE INDEX handbooks_retention_due ON handbooks (status, updated_at) WHERE retention_purged_at IS NULL;
CREATE TABLE legal_holds (
    id INTEGER PRIMARY KEY,
    holder_id BIGINT NOT NULL REFERENCES holders (id),
    reason TEXT NOT NULL,
    placed_by BIGINT NOT NULL REFERENCES staff (id),
    placed_at TIMESTAMP NOT NULL,
    lifted_by BIGINT REFERENCES staff (id),
    lifted_at TIMESTAMP,
    lift_note TEXT
);
-- One hold in force per holder.
CREATE UNIQUE INDEX legal_holds_in_force ON legal_holds (holder_id) WHERE lifted_at IS NULL;
