ALTER TABLE holders DROP COLUMN deleted_at;
