DROP TABLE myna_requests;
