-- The photo store's sweep asks which files a row names: by key, not by a scan.
CREATE INDEX handbook_images_storage_key ON handbook_images (storage_key);
CREATE INDEX handbook_images_thumb_key ON handbook_images (thumb_key);
CREATE INDEX handbooks_face_key ON handbooks (face_key) WHERE face_key IS NOT NULL;
