# METADATA
# title: Nested
# custom:
#   id: T-SHAPE-004
#   severity: high
package tailaudit.policy.nested

deny.ssh contains "x" if {
	input.policy.ssh
}
