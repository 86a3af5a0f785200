-- The handbook's name as printed (the intellectual handbook has regional names: 愛の手帳,
-- みどりの手帳…); NULL for the kind's usual name.
ALTER TABLE handbook_fields ADD COLUMN handbook_name TEXT;
