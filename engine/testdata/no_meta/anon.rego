package tailaudit.policy.anonymous

deny contains "x" if true
