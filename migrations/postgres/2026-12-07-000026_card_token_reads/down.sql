DROP TABLE card_token_reads;
