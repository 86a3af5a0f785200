DROP TABLE holder_requests;
