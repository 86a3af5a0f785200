ALTER TABLE sanctions DROP COLUMN notification_id;
ALTER TABLE sanctions DROP COLUMN decision_note;
ALTER TABLE sanctions DROP COLUMN without_notice;
ALTER TABLE holders DROP COLUMN coupon_suspended;
DROP TABLE holder_suspensions;
