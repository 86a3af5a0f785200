DROP TABLE attempt_budgets;
