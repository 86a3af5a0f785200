-- A reviewer parks a registration for a supervisor (保留（責任者確認）) with a reason; take-next
-- passes it by until a supervisor lifts the hold. And who let a registration go, and when:
-- take-next does not hand it straight back to the person who just released it.
ALTER TABLE handbooks ADD COLUMN held_at TIMESTAMP;
ALTER TABLE handbooks ADD COLUMN held_by BIGINT;
ALTER TABLE handbooks ADD COLUMN hold_reason TEXT;
ALTER TABLE handbooks ADD COLUMN released_by BIGINT;
ALTER TABLE handbooks ADD COLUMN released_at TIMESTAMP;
-- The supervisors' list of held registrations.
CREATE INDEX handbooks_held ON handbooks (held_at, id) WHERE held_at IS NOT NULL;
