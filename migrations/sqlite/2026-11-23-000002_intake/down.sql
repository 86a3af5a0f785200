DROP INDEX handbooks_holder_kind;
DROP TABLE photo_access_grants;
DROP TABLE handbook_images;
