DROP INDEX handbooks_without_face;
