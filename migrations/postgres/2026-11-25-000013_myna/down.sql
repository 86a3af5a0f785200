DROP INDEX myna_consents_time;
DROP INDEX handbooks_myna_pending;
ALTER TABLE handbooks DROP COLUMN myna_verified_at;
ALTER TABLE handbooks DROP COLUMN myna_link;
DROP TABLE myna_records;
DROP TABLE myna_consents;
DROP TABLE myna_deliveries;
