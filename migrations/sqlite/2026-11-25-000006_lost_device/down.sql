DROP TABLE lost_device_reports;
