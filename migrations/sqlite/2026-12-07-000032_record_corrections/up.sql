-- Corrections of approved records: a reviewer proposes new values with a reason and the
-- evidence; a second person approves; only then do the fields, the card and the holder change.
CREATE TABLE record_corrections (
    id INTEGER PRIMARY KEY,
    handbook_id BIGINT NOT NULL REFERENCES handbooks (id),
    holder_id BIGINT NOT NULL REFERENCES holders (id),
    -- The holder's correction request (訂正の請求) this answers, if any.
    request_id BIGINT REFERENCES holder_requests (id),
    -- The registration's version the proposal was made against: a later change makes it stale.
    base_version INTEGER NOT NULL,
    -- The proposed transcription form and the changes (field, before, after), as JSON; both
    -- are the holder's data and go with an erasure.
    proposed TEXT NOT NULL,
    changes TEXT NOT NULL,
    reason TEXT NOT NULL,
    -- photo, myna
    evidence TEXT NOT NULL,
    -- The photo attached as evidence (a row of handbook_images; none once erased).
    evidence_image_id BIGINT,
    -- proposed, applied, rejected
    state TEXT NOT NULL,
    proposed_by BIGINT NOT NULL REFERENCES staff (id),
    proposed_at TIMESTAMP NOT NULL,
    decided_by BIGINT REFERENCES staff (id),
    decided_at TIMESTAMP,
    decision_note TEXT
);
CREATE INDEX record_corrections_waiting ON record_corrections (state, proposed_at, id);
CREATE INDEX record_corrections_request ON record_corrections (request_id);
CREATE INDEX record_corrections_holder ON record_corrections (holder_id);
-- One proposal waits per registration.
CREATE UNIQUE INDEX record_corrections_one_pending ON record_corrections (handbook_id) WHERE state = 'proposed';
