-- Sign-in attempts per client address and per account, per fixed window, kept where every
-- node sees them: a guesser spreading attempts over the nodes gains nothing. Keys are keyed
-- fingerprints (never an address or an e-mail in clear); past windows are pruned.
CREATE TABLE attempt_budgets (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    window_start TIMESTAMP NOT NULL,
    used INTEGER NOT NULL,
    PRIMARY KEY (scope, key, window_start)
);
CREATE INDEX attempt_budgets_window ON attempt_budgets (window_start);
