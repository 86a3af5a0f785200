-- OCR of intake photos: one job per registration, claimed with a lease by the worker.
CREATE TABLE ocr_jobs (
    handbook_id BIGINT PRIMARY KEY REFERENCES handbooks (id),
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    lease_token TEXT,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
-- The worker's claim: pending jobs in the order they came due.
CREATE INDEX ocr_jobs_due ON ocr_jobs (status, next_attempt_at);

-- What OCR read for each field, and what the reviewer did with it (NULL: not yet confirmed).
-- A suggestion is never a value: the transcription holds only what a person saved.
CREATE TABLE ocr_suggestions (
    handbook_id BIGINT NOT NULL REFERENCES handbooks (id),
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    -- 0-100
    confidence INTEGER NOT NULL,
    -- The photo (handbook_images.page) and the line on it; NULL when read from an absence.
    page INTEGER,
    line INTEGER,
    box_x INTEGER,
    box_y INTEGER,
    box_w INTEGER,
    box_h INTEGER,
    outcome TEXT,
    outcome_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (handbook_id, field)
);
-- The supervisors' acceptance rates over the last 30 days.
CREATE INDEX ocr_suggestions_outcome ON ocr_suggestions (outcome_at, field, outcome, page);
