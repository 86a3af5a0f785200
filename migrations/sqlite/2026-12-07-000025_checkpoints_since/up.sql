-- Since when signed checkpoints of this chain are kept outside the database. Once set, a missing
-- checkpoint folder means the checkpoints were removed: `serve` refuses to start and verify fails.
ALTER TABLE audit_head ADD COLUMN checkpoints_since TIMESTAMP;
