DROP TABLE legal_holds;
DROP INDEX handbooks_retention_due;
DROP INDEX holders_retention_due;
ALTER TABLE handbooks DROP COLUMN retention_purged_at;
ALTER TABLE holders DROP COLUMN retention_purged_at;
ALTER TABLE holders DROP COLUMN ended_at;
