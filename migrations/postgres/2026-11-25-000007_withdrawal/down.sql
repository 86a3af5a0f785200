ALTER TABLE holders DROP COLUMN withdrawal_reason;
ALTER TABLE holders DROP COLUMN withdrawn_at;
