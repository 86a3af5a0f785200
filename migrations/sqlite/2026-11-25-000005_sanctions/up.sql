-- Sanctions in force. A holder's suspensions are kept per cause (the article), so lifting the
-- lost-phone suspension leaves a fraud hold in force; holders.status is their summary, written
-- by the one gate (domain::holder_state) in the same transaction.
CREATE TABLE holder_suspensions (
    id INTEGER PRIMARY KEY,
    holder_id BIGINT NOT NULL REFERENCES holders (id),
    article TEXT NOT NULL,
    sanction_id BIGINT REFERENCES sanctions (id),
    started_at TIMESTAMP NOT NULL,
    lifted_at TIMESTAMP,
    lifted_by BIGINT REFERENCES staff (id),
    lift_reason TEXT
);
CREATE INDEX holder_suspensions_holder ON holder_suspensions (holder_id, lifted_at);
-- At most one suspension in force per cause.
CREATE UNIQUE INDEX holder_suspensions_active ON holder_suspensions (holder_id, article) WHERE lifted_at IS NULL;

-- Coupon sanctions (art. 15(1)) are apart from the ID's status: the card shows a flag.
ALTER TABLE holders ADD COLUMN coupon_suspended BOOLEAN NOT NULL DEFAULT FALSE;

-- Art. 3(5) acts without notice, and the record says so; a four-eyes decision keeps its reason.
ALTER TABLE sanctions ADD COLUMN without_notice BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE sanctions ADD COLUMN decision_note TEXT;
ALTER TABLE sanctions ADD COLUMN notification_id BIGINT REFERENCES notifications (id);
