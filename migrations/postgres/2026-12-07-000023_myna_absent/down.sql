UPDATE handbooks SET returned_at = myna_absent_at, returned_source = 'myna'
WHERE myna_absent_at IS NOT NULL AND returned_at IS NULL;
DROP INDEX handbooks_myna_absent;
ALTER TABLE handbooks DROP COLUMN myna_absent_at;
