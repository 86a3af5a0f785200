-- Foundation: staff accounts, holders, their handbooks and the audit chain.
-- Timestamps are UTC, truncated to microseconds so both backends store them exactly.

CREATE TABLE staff (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('reviewer', 'supervisor', 'support', 'auditor', 'admin')),
    password_hash TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT 0,
    totp_secret TEXT,
    totp_last_step BIGINT,
    active BOOLEAN NOT NULL DEFAULT 1,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    session_epoch INTEGER NOT NULL DEFAULT 0,
    last_login_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX staff_listing ON staff (display_name, id);

CREATE TABLE holders (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    email TEXT,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'active', 'suspended', 'revoked', 'withdrawn')),
    myna_link TEXT NOT NULL DEFAULT 'unlinked' CHECK (myna_link IN ('unlinked', 'pending', 'linked')),
    last_contact_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX holders_email ON holders (email);

CREATE TABLE handbooks (
    id INTEGER PRIMARY KEY,
    holder_id BIGINT NOT NULL REFERENCES holders (id),
    kind TEXT NOT NULL CHECK (kind IN ('physical', 'mental', 'intellectual')),
    status TEXT NOT NULL DEFAULT 'submitted'
        CHECK (status IN ('submitted', 'in_review', 'approved', 'corrected', 'returned', 'rejected', 'superseded')),
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
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX handbooks_holder ON handbooks (holder_id, id);
CREATE INDEX handbooks_queue ON handbooks (status, submitted_at, id);
CREATE INDEX handbooks_queue_kind ON handbooks (status, kind, submitted_at, id);

-- One row: the head of the audit chain. Appending updates it first, which serialises
-- writers on both backends (row lock on PostgreSQL, the write lock on SQLite).
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_seq, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY,
    occurred_at TIMESTAMP NOT NULL,
    actor_staff_id BIGINT REFERENCES staff (id),
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    reason TEXT,
    details TEXT NOT NULL,
    request_id TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_events_time ON audit_events (occurred_at, seq);
CREATE INDEX audit_events_actor ON audit_events (actor_staff_id, seq);
CREATE INDEX audit_events_target ON audit_events (target_type, target_id, seq);
CREATE INDEX audit_events_action ON audit_events (action, seq);
