DROP TABLE withdrawal_proposals;
