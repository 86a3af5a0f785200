-- Myna Portal deliveries (the signed callback), the consents they ride on, and the values the
-- portal sent. The values live only while their consent does: a purge deletes the rows of
-- myna_records and keeps the consent's record (when, what purpose, when purged) and the
-- handbook's link status with its verification date, the minimal record guideline 3.2 allows.
CREATE TABLE myna_deliveries (
    id INTEGER PRIMARY KEY,
    -- A delivery is idempotent on the portal's request id: the same one twice stores once.
    request_id TEXT NOT NULL UNIQUE,
    holder_id BIGINT NOT NULL REFERENCES holders (id),
    status TEXT NOT NULL CHECK (status IN ('ok', 'unavailable', 'not_found', 'consent_withdrawn')),
    records INTEGER NOT NULL,
    received_at TIMESTAMP NOT NULL
);
CREATE INDEX myna_deliveries_holder ON myna_deliveries (holder_id, id);

CREATE TABLE myna_consents (
    id INTEGER PRIMARY KEY,
    holder_id BIGINT NOT NULL REFERENCES holders (id),
    delivery_id BIGINT NOT NULL REFERENCES myna_deliveries (id),
    purpose TEXT NOT NULL,
    granted_at TIMESTAMP NOT NULL,
    valid_until TIMESTAMP NOT NULL,
    withdrawn_at TIMESTAMP,
    purged_at TIMESTAMP
);
CREATE INDEX myna_consents_holder ON myna_consents (holder_id, id);
CREATE INDEX myna_consents_due ON myna_consents (valid_until) WHERE purged_at IS NULL;

CREATE TABLE myna_records (
    id INTEGER PRIMARY KEY,
    consent_id BIGINT NOT NULL REFERENCES myna_consents (id),
    holder_id BIGINT NOT NULL REFERENCES holders (id),
    handbook_id BIGINT REFERENCES handbooks (id),
    kind TEXT NOT NULL CHECK (kind IN ('physical', 'mental', 'intellectual')),
    disability_category TEXT,
    grade TEXT,
    municipality TEXT,
    number TEXT,
    issued_on TEXT,
    renewed_on TEXT,
    expires_on TEXT,
    received_at TIMESTAMP NOT NULL
);
CREATE INDEX myna_records_holder ON myna_records (holder_id, id);
CREATE INDEX myna_records_handbook ON myna_records (handbook_id);
CREATE INDEX myna_records_consent ON myna_records (consent_id);

-- Link status is per handbook: 未連携 → 申請中 (data arrived, staff checking) → 連携済.
ALTER TABLE handbooks ADD COLUMN myna_link TEXT NOT NULL DEFAULT 'unlinked'
    CHECK (myna_link IN ('unlinked', 'pending', 'linked'));
ALTER TABLE handbooks ADD COLUMN myna_verified_at TIMESTAMP;
-- The work list of handbooks whose portal data waits for a check.
CREATE INDEX handbooks_myna_pending ON handbooks (id) WHERE myna_link = 'pending';
-- myna-consents.csv pages by consent time.
CREATE INDEX myna_consents_time ON myna_consents (granted_at, id);
