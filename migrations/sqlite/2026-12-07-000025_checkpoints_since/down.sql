ALTER TABLE audit_head DROP COLUMN checkpoints_since;
