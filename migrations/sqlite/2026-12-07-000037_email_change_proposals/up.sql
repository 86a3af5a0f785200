-- An e-mail change asked for through the support center: whoever holds a lost phone could ask
-- for one, so it is a proposal a second person (a supervisor) approves.
CREATE TABLE email_change_proposals (
    id INTEGER PRIMARY KEY,
    holder_id BIGINT NOT NULL REFERENCES holders (id),
    new_email TEXT,
    note TEXT NOT NULL,
    -- proposed, applied, rejected
    state TEXT NOT NULL,
    proposed_by BIGINT NOT NULL REFERENCES staff (id),
    proposed_at TIMESTAMP NOT NULL,
    decided_by BIGINT REFERENCES staff (id),
    decided_at TIMESTAMP
);
CREATE UNIQUE INDEX email_change_one_pending ON email_change_proposals (holder_id) WHERE state = 'proposed';
