# METADATA
# title: Single value
# custom:
#   id: T-SHAPE-001
#   severity: high
package tailaudit.policy.single

deny := true
