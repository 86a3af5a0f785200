ALTER TABLE handbook_fields DROP COLUMN handbook_name;
