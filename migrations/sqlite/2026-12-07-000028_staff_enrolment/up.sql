-- A new account, or one whose password an admin reset, gets a one-time enrolment link: the
-- person sets their own password there; the admin never sets or sees it. Only the link's
-- SHA-256 is kept, until it is used or expires.
ALTER TABLE staff ADD COLUMN enrol_token_hash TEXT;
ALTER TABLE staff ADD COLUMN enrol_expires_at TIMESTAMP;
CREATE UNIQUE INDEX staff_enrol_token ON staff (enrol_token_hash) WHERE enrol_token_hash IS NOT NULL;
