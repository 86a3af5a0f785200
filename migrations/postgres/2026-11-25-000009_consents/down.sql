ALTER TABLE sanctions DROP COLUMN terms_version;
DROP TABLE holder_consents;
