# METADATA
# title: Finishes at once
# custom:
#   id: T-QUICK-001
#   severity: low
package tailaudit.policy.quick

deny contains "the policy has no tests" if not input.policy.tests
