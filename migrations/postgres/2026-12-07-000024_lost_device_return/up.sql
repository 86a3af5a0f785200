-- Getting a lost phone's ID back needs what the phone's finder cannot have: a one-time code sent
-- to the holder's registered e-mail address (kept only as a keyed hash, for a limited time).
ALTER TABLE lost_device_reports ADD COLUMN code_hash TEXT;
ALTER TABLE lost_device_reports ADD COLUMN code_expires_at TIMESTAMP;
-- A report that reached the identification caps waits for a supervisor, who may unlock it.
ALTER TABLE lost_device_reports ADD COLUMN locked_at TIMESTAMP;
ALTER TABLE lost_device_reports ADD COLUMN unlocked_at TIMESTAMP;
ALTER TABLE lost_device_reports ADD COLUMN unlocked_by BIGINT REFERENCES staff (id);
-- Every reinstatement by the support center lands on a supervisor's work list until looked at.
ALTER TABLE lost_device_reports ADD COLUMN reviewed_at TIMESTAMP;
ALTER TABLE lost_device_reports ADD COLUMN reviewed_by BIGINT REFERENCES staff (id);
CREATE INDEX lost_device_reports_locked ON lost_device_reports (locked_at, id) WHERE locked_at IS NOT NULL;
CREATE INDEX lost_device_reports_to_review ON lost_device_reports (reinstated_at, id)
    WHERE reinstated_at IS NOT NULL AND reviewed_at IS NULL;
