-- Counters kept outside the audit chain: traffic an auditor must be able to count but that
-- must not append one sealed row per event nor serialise on the chain's head (unknown
-- e-mails tried at sign-in, card API callers slowed down).
CREATE TABLE daily_tallies (
    kind TEXT NOT NULL,
    day DATE NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (kind, day)
);
-- Card reads per holder and day (the counters at stations and buses read the card often).
CREATE TABLE card_reads (
    holder_id BIGINT NOT NULL,
    day DATE NOT NULL,
    reads BIGINT NOT NULL,
    PRIMARY KEY (holder_id, day)
);
-- The auditors' list and export of a day's reads.
CREATE INDEX card_reads_day ON card_reads (day, holder_id);
