DROP TABLE ocr_suggestions;
DROP TABLE ocr_jobs;
