DROP INDEX handbooks_held;
ALTER TABLE handbooks DROP COLUMN released_at;
ALTER TABLE handbooks DROP COLUMN released_by;
ALTER TABLE handbooks DROP COLUMN hold_reason;
ALTER TABLE handbooks DROP COLUMN held_by;
ALTER TABLE handbooks DROP COLUMN held_at;
