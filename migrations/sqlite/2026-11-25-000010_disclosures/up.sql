-- Every disclosure of a holder's information to a third party (a coupon-violation sanction
-- under art. 15(1), or on legal grounds): to whom, on what basis, and what was disclosed.
CREATE TABLE disclosures (
    id INTEGER PRIMARY KEY,
    holder_id BIGINT NOT NULL REFERENCES holders (id),
    sanction_id BIGINT REFERENCES sanctions (id),
    recipient TEXT NOT NULL,
    basis TEXT NOT NULL,
    disclosed TEXT NOT NULL,
    disclosed_by BIGINT NOT NULL REFERENCES staff (id),
    disclosed_at TIMESTAMP NOT NULL
);
CREATE INDEX disclosures_holder ON disclosures (holder_id, id);
CREATE INDEX disclosures_time ON disclosures (disclosed_at, id);
