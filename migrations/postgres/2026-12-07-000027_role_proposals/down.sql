DROP TABLE role_proposals;
