# METADATA
# title: Object
# custom:
#   id: T-SHAPE-002
#   severity: high
package tailaudit.policy.object

deny[x] := 1 if {
	some x in ["a"]
}
