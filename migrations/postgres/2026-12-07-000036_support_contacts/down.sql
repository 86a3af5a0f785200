DROP INDEX notifications_resend_of;
ALTER TABLE notifications DROP COLUMN resend_of;
DROP TABLE support_contacts;
