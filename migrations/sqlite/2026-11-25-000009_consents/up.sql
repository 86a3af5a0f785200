-- Each holder's consent to the terms of use and the privacy policy, with the version agreed
-- to and when; a sanction records the terms version in force for the holder.
CREATE TABLE holder_consents (
    id INTEGER PRIMARY KEY,
    holder_id BIGINT NOT NULL REFERENCES holders (id),
    document TEXT NOT NULL CHECK (document IN ('terms', 'privacy')),
    version TEXT NOT NULL,
    agreed_at TIMESTAMP NOT NULL
);
CREATE INDEX holder_consents_holder ON holder_consents (holder_id, document, id);
ALTER TABLE sanctions ADD COLUMN terms_version TEXT;
