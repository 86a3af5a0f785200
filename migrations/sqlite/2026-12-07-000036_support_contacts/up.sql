-- The support center's contact log: every contact with a holder (form, phone, e-mail), its
-- topic and note; a note may be kept for supervisors only.
CREATE TABLE support_contacts (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    holder_id BIGINT NOT NULL REFERENCES holders (id),
    -- form, phone, email
    channel TEXT NOT NULL,
    topic TEXT NOT NULL,
    note TEXT NOT NULL,
    restricted BOOLEAN NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES staff (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX support_contacts_holder ON support_contacts (holder_id, id);
CREATE INDEX support_contacts_recent ON support_contacts (recorded_at, id);
CREATE INDEX support_contacts_topic ON support_contacts (topic, recorded_at);
-- A resent notice names the one it repeats.
ALTER TABLE notifications ADD COLUMN resend_of BIGINT;
CREATE INDEX notifications_resend_of ON notifications (resend_of) WHERE resend_of IS NOT NULL;
