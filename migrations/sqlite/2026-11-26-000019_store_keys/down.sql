DROP INDEX handbooks_face_key;
DROP INDEX handbook_images_thumb_key;
DROP INDEX handbook_images_storage_key;
