-- The register of terms-of-use and privacy-policy versions with the day each came into force
-- (admin-maintained, audited): a sanction cites the version in force on the day of the act.
CREATE TABLE document_versions (
    document TEXT NOT NULL,
    version TEXT NOT NULL,
    in_force_from DATE NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES staff (id),
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (document, version)
);
CREATE INDEX document_versions_in_force ON document_versions (document, in_force_from);
