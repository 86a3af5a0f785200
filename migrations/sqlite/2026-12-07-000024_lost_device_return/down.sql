DROP INDEX lost_device_reports_to_review;
DROP INDEX lost_device_reports_locked;
ALTER TABLE lost_device_reports DROP COLUMN reviewed_by;
ALTER TABLE lost_device_reports DROP COLUMN reviewed_at;
ALTER TABLE lost_device_reports DROP COLUMN unlocked_by;
ALTER TABLE lost_device_reports DROP COLUMN unlocked_at;
ALTER TABLE lost_device_reports DROP COLUMN locked_at;
ALTER TABLE lost_device_reports DROP COLUMN code_expires_at;
ALTER TABLE lost_device_reports DROP COLUMN code_hash;
