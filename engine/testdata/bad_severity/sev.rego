# METADATA
# title: Bad severity
# custom:
#   id: T-SEV-001
#   severity: severe
package tailaudit.policy.sev

deny contains "x" if true
