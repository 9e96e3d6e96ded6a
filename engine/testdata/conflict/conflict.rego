# METADATA
# title: Conflicting
# custom:
#   id: T-ERR-001
#   severity: low
package tailaudit.policy.conflict

x = input.policy.a

x = input.policy.b

deny contains "conflict" if x
