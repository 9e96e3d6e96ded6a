# METADATA
# title: Expands range
# custom:
#   id: T-EXP-RANGE
#   severity: low
package tailaudit.policy.expand_range

deny contains "expanded" if {
	count(numbers.range(0, 1000000000)) > 0
}
