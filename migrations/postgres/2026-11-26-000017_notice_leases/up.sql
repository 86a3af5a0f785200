-- Who holds a notice's lease: a worker renews it before each send and records the outcome
-- only while it still holds it, so two instances never send one notice twice.
ALTER TABLE notifications ADD COLUMN lease_token TEXT;
