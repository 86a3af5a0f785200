DROP TABLE lost_device_attempts;
DELETE FROM handbook_counts WHERE status = 'closed';
UPDATE handbooks SET status = 'superseded' WHERE status = 'closed';
DROP INDEX handbooks_returned;
ALTER TABLE handbooks DROP COLUMN face_key;
ALTER TABLE handbooks DROP COLUMN face_box;
ALTER TABLE handbooks DROP COLUMN face_image_id;
ALTER TABLE handbooks DROP COLUMN returned_source;
ALTER TABLE handbooks DROP COLUMN returned_at;
ALTER TABLE handbooks DROP CONSTRAINT handbooks_status_check;
ALTER TABLE handbooks ADD CONSTRAINT handbooks_status_check
    CHECK (status IN ('submitted', 'in_review', 'approved', 'corrected', 'returned', 'rejected', 'superseded'));
