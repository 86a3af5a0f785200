-- The Myna Portal had no record of this handbook (`not_found`, or a delivery without it): a gap
-- for staff to look into, never evidence of a return. Cleared when the portal delivers it.
ALTER TABLE handbooks ADD COLUMN myna_absent_at TIMESTAMP;
CREATE INDEX handbooks_myna_absent ON handbooks (myna_absent_at, id) WHERE myna_absent_at IS NOT NULL;
-- Returns inferred from `not_found` before were reported by nobody: they become gaps again.
UPDATE handbooks SET myna_absent_at = returned_at, returned_at = NULL, returned_source = NULL
WHERE returned_source = 'myna';
