-- Lost-phone reports (art. 3(4)). The company is liable only until the suspension, so each
-- report keeps the three times an auditor exports: received, suspended, first card read
-- refused. The caller's identifier is not stored: the holder it matched is, or nothing.
CREATE TABLE lost_device_reports (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL CHECK (channel IN ('form', 'phone')),
    received_at TIMESTAMP NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES staff (id),
    recorded_at TIMESTAMP NOT NULL,
    holder_id BIGINT REFERENCES holders (id),
    challenge TEXT NOT NULL CHECK (challenge IN ('municipality', 'kana', 'kind')),
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    verified_at TIMESTAMP,
    suspended_at TIMESTAMP,
    sanction_id BIGINT REFERENCES sanctions (id),
    first_refused_at TIMESTAMP,
    reinstated_at TIMESTAMP
);
CREATE INDEX lost_device_reports_holder ON lost_device_reports (holder_id, recorded_at);
CREATE INDEX lost_device_reports_received ON lost_device_reports (received_at, id);
