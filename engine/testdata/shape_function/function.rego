# METADATA
# title: Function
# custom:
#   id: T-SHAPE-003
#   severity: high
package tailaudit.policy.function

warn(x) := x if {
	x > 1
}
