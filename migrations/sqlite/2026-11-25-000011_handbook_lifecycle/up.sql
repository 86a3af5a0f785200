-- Registrations gain a `closed` status (the ID ended while they were still open), the
-- handbook's return to the municipality (art. 3(1)(v)) as reported or detected, and the
-- face-photo crop the app's card shows. Lost-phone identification attempts get a row each.
PRAGMA foreign_keys = OFF;
BEGIN;
DROP TABLE IF EXISTS handbooks_rebuilt;
CREATE TABLE handbooks_rebuilt (
    id INTEGER PRIMARY KEY,
    holder_id BIGINT NOT NULL REFERENCES holders (id),
    kind TEXT NOT NULL CHECK (kind IN ('physical', 'mental', 'intellectual')),
    status TEXT NOT NULL DEFAULT 'submitted'
        CHECK (status IN ('submitted', 'in_review', 'approved', 'corrected', 'returned', 'rejected', 'superseded', 'closed')),
    channel TEXT NOT NULL DEFAULT 'app' CHECK (channel IN ('app', 'staff')),
    proxy BOOLEAN NOT NULL DEFAULT 0,
    submitted_at TIMESTAMP NOT NULL,
    claimed_by BIGINT REFERENCES staff (id),
    claim_expires_at TIMESTAMP,
    decided_by BIGINT REFERENCES staff (id),
    decided_at TIMESTAMP,
    supersedes_id BIGINT REFERENCES handbooks (id),
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    submitted_kind TEXT,
    returned_at TIMESTAMP,
    returned_source TEXT CHECK (returned_source IN ('report', 'myna')),
    face_image_id BIGINT REFERENCES handbook_images (id),
    face_box TEXT,
    face_key TEXT
);
INSERT INTO handbooks_rebuilt (id, holder_id, kind, status, channel, proxy, submitted_at, claimed_by,
    claim_expires_at, decided_by, decided_at, supersedes_id, version, created_at, updated_at, submitted_kind)
SELECT id, holder_id, kind, status, channel, proxy, submitted_at, claimed_by,
    claim_expires_at, decided_by, decided_at, supersedes_id, version, created_at, updated_at, submitted_kind
FROM handbooks;
DROP TABLE handbooks;
ALTER TABLE handbooks_rebuilt RENAME TO handbooks;
CREATE INDEX handbooks_queue ON handbooks (status, submitted_at, id);
CREATE INDEX handbooks_queue_kind ON handbooks (status, kind, submitted_at, id);
CREATE INDEX handbooks_submitted ON handbooks (submitted_at, id);
CREATE INDEX handbooks_claims ON handbooks (status, claim_expires_at);
CREATE INDEX handbooks_decided ON handbooks (decided_at, id);
CREATE INDEX handbooks_holder_kind ON handbooks (holder_id, kind);
CREATE INDEX handbooks_returned ON handbooks (returned_at, id) WHERE returned_at IS NOT NULL;

INSERT OR IGNORE INTO handbook_counts (status, kind, n)
SELECT 'closed', k.kind, 0
FROM (SELECT 'physical' AS kind UNION ALL SELECT 'mental' UNION ALL SELECT 'intellectual') k;

CREATE TABLE IF NOT EXISTS lost_device_attempts (
    id INTEGER PRIMARY KEY,
    report_id BIGINT NOT NULL REFERENCES lost_device_reports (id),
    -- The holder the report names, if any: repeated mismatches on one holder are flagged.
    holder_id BIGINT REFERENCES holders (id),
    attempted_at TIMESTAMP NOT NULL,
    attempted_by BIGINT NOT NULL REFERENCES staff (id),
    matched BOOLEAN NOT NULL
);
CREATE INDEX IF NOT EXISTS lost_device_attempts_report ON lost_device_attempts (report_id, id);
CREATE INDEX IF NOT EXISTS lost_device_attempts_holder ON lost_device_attempts (holder_id, attempted_at);
COMMIT;
PRAGMA foreign_keys = ON;
