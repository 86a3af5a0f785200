ALTER TABLE notifications DROP COLUMN lease_token;
