-- A name prefix lists its first matches in index order. In (name_key, birth_date) the people
-- of one name are ordered by birth, so their registrations lie scattered over the table (253
-- pages read for a page of 高橋健…); by name alone they come in the order they were
-- written, side by side (133).
CREATE INDEX handbook_fields_name ON handbook_fields (name_key);
