DROP TABLE card_reads;
DROP TABLE daily_tallies;
