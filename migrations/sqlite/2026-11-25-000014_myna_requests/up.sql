-- Outbound Myna Portal requests. Each rides on a consent the holder just gave in the app (consent
-- is per use), so the consent's purpose and validity are copied onto the request: a request
-- runs only while that consent holds. The municipal server answers only in its hours, so a
-- request that cannot run now waits here with the time it will run and why.
CREATE TABLE myna_requests (
    id INTEGER PRIMARY KEY,
    -- The id the portal echoes in its callback.
    request_id TEXT NOT NULL UNIQUE,
    holder_id BIGINT NOT NULL REFERENCES holders (id),
    mode TEXT NOT NULL CHECK (mode IN ('point', 'range')),
    from_on DATE NOT NULL,
    to_on DATE NOT NULL,
    purpose TEXT NOT NULL,
    consent_granted_at TIMESTAMP NOT NULL,
    consent_valid_until TIMESTAMP NOT NULL,
    state TEXT NOT NULL
        CHECK (state IN ('scheduled', 'sent', 'delivered', 'cancelled', 'lapsed', 'failed')),
    run_at TIMESTAMP,
    wait_reason TEXT
        CHECK (wait_reason IN ('outside_hours', 'planned_stop', 'unavailable', 'transport', 'rescheduled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    -- A worker holds a request while it talks to the portal; a crash lets the lease run out.
    lease_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    finished_at TIMESTAMP,
    version INTEGER NOT NULL DEFAULT 1
);
-- The worker's "what is due" and the staff list of open requests.
CREATE INDEX myna_requests_due ON myna_requests (run_at, id) WHERE state = 'scheduled';
CREATE INDEX myna_requests_open ON myna_requests (id) WHERE state IN ('scheduled', 'sent');
CREATE INDEX myna_requests_holder ON myna_requests (holder_id, id);
