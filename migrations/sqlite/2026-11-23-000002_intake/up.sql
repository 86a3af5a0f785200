-- Photo intake: the encrypted photos of a registration, and the stated reasons that open them.

CREATE TABLE handbook_images (
    id INTEGER PRIMARY KEY,
    handbook_id BIGINT NOT NULL REFERENCES handbooks (id),
    page INTEGER NOT NULL,
    page_role TEXT,
    storage_key TEXT NOT NULL,
    thumb_key TEXT NOT NULL,
    key_id TEXT NOT NULL,
    original_sha256 TEXT NOT NULL,
    original_bytes BIGINT NOT NULL,
    original_mime TEXT NOT NULL,
    stored_bytes BIGINT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (handbook_id, page)
);
CREATE INDEX handbook_images_sha ON handbook_images (original_sha256);

-- Someone who has not claimed a registration states why before its photos open.
CREATE TABLE photo_access_grants (
    id INTEGER PRIMARY KEY,
    staff_id BIGINT NOT NULL REFERENCES staff (id),
    handbook_id BIGINT NOT NULL REFERENCES handbooks (id),
    reason TEXT NOT NULL,
    granted_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX photo_access_grants_lookup ON photo_access_grants (staff_id, handbook_id, expires_at);

CREATE INDEX handbooks_holder_kind ON handbooks (holder_id, kind, status);
