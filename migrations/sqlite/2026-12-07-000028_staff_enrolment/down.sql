DROP INDEX staff_enrol_token;
ALTER TABLE staff DROP COLUMN enrol_expires_at;
ALTER TABLE staff DROP COLUMN enrol_token_hash;
