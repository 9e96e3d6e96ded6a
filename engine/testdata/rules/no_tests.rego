# METADATA
# title: No tests
# custom:
#   id: T-TEST-001
#   severity: low
#   effective_on: 2099-01-01
package tailaudit.policy.no_tests

deny contains "the policy has no tests" if not input.policy.tests
