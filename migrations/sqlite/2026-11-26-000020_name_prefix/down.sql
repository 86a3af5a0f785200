DROP INDEX handbook_fields_name;
