-- A withdrawal (退会) by staff is a proposal that a second supervisor approves; the app's own
-- withdrawal, which the holder asked for, stays immediate and never lands here.
CREATE TABLE withdrawal_proposals (
    id INTEGER PRIMARY KEY,
    holder_id BIGINT NOT NULL REFERENCES holders (id),
    -- voluntary, reissued, returned
    reason TEXT NOT NULL,
    note TEXT NOT NULL,
    -- The other ID of a work-list pair (the new ID of a reissue), shown beside it at approval.
    related_holder_id BIGINT REFERENCES holders (id),
    -- proposed, applied, rejected (a proposal the ID's end made moot is rejected without a decider)
    state TEXT NOT NULL,
    proposed_by BIGINT NOT NULL REFERENCES staff (id),
    proposed_at TIMESTAMP NOT NULL,
    decided_by BIGINT REFERENCES staff (id),
    decided_at TIMESTAMP,
    decision_note TEXT
);
-- The approval list, oldest first.
CREATE INDEX withdrawal_proposals_waiting ON withdrawal_proposals (state, proposed_at, id);
-- One proposal waits per ID: a second would wait for a decision already due.
CREATE UNIQUE INDEX withdrawal_proposals_one_pending ON withdrawal_proposals (holder_id) WHERE state = 'proposed';
