DROP TABLE record_corrections;
