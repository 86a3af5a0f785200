DROP TABLE audit_events;
DROP TABLE audit_head;
DROP TABLE handbooks;
DROP TABLE holders;
DROP TABLE staff;
