ALTER TABLE handbooks DROP COLUMN uploaded_by;
