-- Which holders each card credential read in each window (`domain::card_budget`): a credential
-- reading more distinct IDs than its budget is walking them. Kept here so every node sees one
-- budget; rows of past windows are pruned.
CREATE TABLE card_token_reads (
    -- The credential's fingerprint (the first 8 hex digits of its SHA-256), never the credential.
    token TEXT NOT NULL,
    window_start TIMESTAMP NOT NULL,
    holder_id BIGINT NOT NULL,
    PRIMARY KEY (token, window_start, holder_id)
);
CREATE INDEX card_token_reads_window ON card_token_reads (window_start);
