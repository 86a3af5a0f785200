-- Withdrawal (退会): a state with its reason and time; the retention clock starts at it.
ALTER TABLE holders ADD COLUMN withdrawn_at TIMESTAMP;
ALTER TABLE holders ADD COLUMN withdrawal_reason TEXT;
