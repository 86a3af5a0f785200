-- Granting supervisor or admin rights is four-eyes: an account created with, or raised to, one
-- of those roles waits here (a new account inactive) until a second admin approves.
CREATE TABLE role_proposals (
    id INTEGER PRIMARY KEY,
    staff_id BIGINT NOT NULL REFERENCES staff (id),
    role TEXT NOT NULL,
    -- The account was created by this proposal (it stays inactive until approved).
    new_account BOOLEAN NOT NULL,
    proposed_by BIGINT NOT NULL REFERENCES staff (id),
    proposed_at TIMESTAMP NOT NULL,
    -- proposed, applied, rejected
    state TEXT NOT NULL,
    decided_by BIGINT REFERENCES staff (id),
    decided_at TIMESTAMP
);
CREATE INDEX role_proposals_waiting ON role_proposals (state, proposed_at, id);
CREATE UNIQUE INDEX role_proposals_one_pending ON role_proposals (staff_id) WHERE state = 'proposed';
