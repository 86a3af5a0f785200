-- Review: the transcribed fields (typed columns), their normal forms for search and
-- duplicate detection, decisions, defects, the notification outbox, sanction proposals,
-- per-status counts for the queue, and every saved transcription for conflicts and history.

-- The typed fields of a registration, one row per handbook once someone transcribed it.
CREATE TABLE handbook_fields (
    handbook_id BIGINT PRIMARY KEY REFERENCES handbooks (id),
    name TEXT NOT NULL,
    name_kana TEXT NOT NULL,
    birth_date DATE NOT NULL,
    disability_category TEXT,
    grade TEXT NOT NULL,
    fare_class TEXT,
    care BOOLEAN NOT NULL DEFAULT 0,
    municipality TEXT NOT NULL,
    number TEXT NOT NULL,
    issued_on DATE NOT NULL,
    renewed_on DATE,
    expires_on DATE,
    recert_on DATE,
    recert_month_only BOOLEAN NOT NULL DEFAULT 0,
    medical_number TEXT,
    name_key TEXT NOT NULL,
    kana_key TEXT NOT NULL,
    municipality_key TEXT NOT NULL,
    number_key TEXT NOT NULL,
    transcribed_by BIGINT NOT NULL REFERENCES staff (id),
    transcribed_at TIMESTAMP NOT NULL
);
CREATE INDEX handbook_fields_number ON handbook_fields (number_key, municipality_key);
CREATE INDEX handbook_fields_name_birth ON handbook_fields (name_key, birth_date);
CREATE INDEX handbook_fields_kana ON handbook_fields (kana_key);

-- The kind the holder chose, kept when a reviewer corrects it.
ALTER TABLE handbooks ADD COLUMN submitted_kind TEXT;
UPDATE handbooks SET submitted_kind = kind;

CREATE INDEX handbooks_submitted ON handbooks (submitted_at, id);
CREATE INDEX handbooks_claims ON handbooks (status, claim_expires_at);
CREATE INDEX handbooks_decided ON handbooks (decided_at, id);

-- Every saved transcription: the fields as posted (JSON of the form), who, when, at which
-- version. The first one is what the photos showed; later ones are corrections.
CREATE TABLE transcriptions (
    id INTEGER PRIMARY KEY,
    handbook_id BIGINT NOT NULL REFERENCES handbooks (id),
    version INTEGER NOT NULL,
    fields TEXT NOT NULL,
    saved_by BIGINT NOT NULL REFERENCES staff (id),
    saved_at TIMESTAMP NOT NULL,
    UNIQUE (handbook_id, version)
);

CREATE TABLE decisions (
    id INTEGER PRIMARY KEY,
    handbook_id BIGINT NOT NULL REFERENCES handbooks (id),
    decision TEXT NOT NULL CHECK (decision IN ('approve', 'correct', 'return', 'reject')),
    decided_by BIGINT NOT NULL REFERENCES staff (id),
    decided_at TIMESTAMP NOT NULL,
    holder_message TEXT NOT NULL,
    internal_note TEXT NOT NULL,
    defect_codes TEXT NOT NULL,
    corrections TEXT NOT NULL
);
CREATE INDEX decisions_time ON decisions (decided_at, id);
CREATE INDEX decisions_handbook ON decisions (handbook_id, id);

CREATE TABLE defects (
    id INTEGER PRIMARY KEY,
    handbook_id BIGINT NOT NULL REFERENCES handbooks (id),
    decision_id BIGINT NOT NULL REFERENCES decisions (id),
    code TEXT NOT NULL,
    field TEXT,
    correctable BOOLEAN NOT NULL,
    before_value TEXT,
    after_value TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX defects_code ON defects (code, created_at);
CREATE INDEX defects_handbook ON defects (handbook_id);

-- The outbox: written in the transaction of the decision, sent by the worker.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    holder_id BIGINT NOT NULL REFERENCES holders (id),
    handbook_id BIGINT REFERENCES handbooks (id),
    kind TEXT NOT NULL,
    recipient TEXT,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX notifications_due ON notifications (status, next_attempt_at);
CREATE INDEX notifications_holder ON notifications (holder_id, id);

CREATE TABLE sanctions (
    id INTEGER PRIMARY KEY,
    holder_id BIGINT NOT NULL REFERENCES holders (id),
    handbook_id BIGINT REFERENCES handbooks (id),
    action TEXT NOT NULL,
    article TEXT NOT NULL,
    note TEXT NOT NULL,
    state TEXT NOT NULL,
    requested_by BIGINT REFERENCES staff (id),
    requested_at TIMESTAMP NOT NULL,
    decided_by BIGINT REFERENCES staff (id),
    decided_at TIMESTAMP,
    effective_at TIMESTAMP
);
CREATE INDEX sanctions_state ON sanctions (state, requested_at);
CREATE INDEX sanctions_holder ON sanctions (holder_id, id);

-- Queue counts without COUNT(*) over the table: kept in the transaction of every change.
CREATE TABLE handbook_counts (
    status TEXT NOT NULL,
    kind TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (status, kind)
);
INSERT INTO handbook_counts (status, kind, n)
SELECT s.status, k.kind, (SELECT COUNT(*) FROM handbooks h WHERE h.status = s.status AND h.kind = k.kind)
FROM (SELECT 'submitted' AS status UNION ALL SELECT 'in_review' UNION ALL SELECT 'approved'
      UNION ALL SELECT 'corrected' UNION ALL SELECT 'returned' UNION ALL SELECT 'rejected'
      UNION ALL SELECT 'superseded') s
CROSS JOIN (SELECT 'physical' AS kind UNION ALL SELECT 'mental' UNION ALL SELECT 'intellectual') k;
