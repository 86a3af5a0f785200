-- Deletion (抹消): when the ID's personal data was erased. The ID's records (sanctions, audit,
-- reports) stay for auditors; its photos, transcriptions and e-mail address do not.
ALTER TABLE holders ADD COLUMN deleted_at TIMESTAMP;
