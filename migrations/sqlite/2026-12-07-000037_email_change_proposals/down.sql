DROP TABLE email_change_proposals;
