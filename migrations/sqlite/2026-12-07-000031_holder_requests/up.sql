-- A holder's requests under the APPI (開示・訂正・利用停止・消去): a reference, a due date, a
-- state, and the people who handled it. An answer that acts on the ID cites the request.
CREATE TABLE holder_requests (
    id INTEGER PRIMARY KEY,
    -- What the holder is told to quote (RQ-XXXX-XXXX).
    reference TEXT NOT NULL UNIQUE,
    holder_id BIGINT NOT NULL REFERENCES holders (id),
    -- disclosure, correction, stop_use, erasure
    kind TEXT NOT NULL,
    -- app, support
    channel TEXT NOT NULL,
    -- What the holder wrote (a correction says which value is wrong); erased with the holder.
    detail TEXT NOT NULL,
    -- received, verified, answered, refused
    state TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    received_by BIGINT REFERENCES staff (id),
    due_on DATE NOT NULL,
    -- app_and_email, document, call_back
    verified_how TEXT,
    verification_note TEXT,
    verified_by BIGINT REFERENCES staff (id),
    verified_at TIMESTAMP,
    disclosure_produced_at TIMESTAMP,
    disclosure_produced_by BIGINT REFERENCES staff (id),
    answer_note TEXT,
    answered_by BIGINT REFERENCES staff (id),
    answered_at TIMESTAMP,
    version INTEGER NOT NULL DEFAULT 1
);
-- The work list, by due date; a holder's requests on their profile.
CREATE INDEX holder_requests_open ON holder_requests (state, due_on, id);
CREATE INDEX holder_requests_holder ON holder_requests (holder_id, id);
