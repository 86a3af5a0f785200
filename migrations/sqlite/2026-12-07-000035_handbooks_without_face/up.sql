-- The work list of approved handbooks without a face crop (no card goes live without its face).
CREATE INDEX handbooks_without_face ON handbooks (id) WHERE face_key IS NULL AND status IN ('approved', 'corrected');
