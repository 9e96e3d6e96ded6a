# METADATA
# title: Broken
# custom:
#   id: T-BAD-001
#   severity: low
package tailaudit.policy.broken

deny contains msg if {
	msg := "x"
	input.policy.acls[
}
