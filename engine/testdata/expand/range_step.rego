# METADATA
# title: Expands range_step
# custom:
#   id: T-EXP-RANGESTEP
#   severity: low
package tailaudit.policy.expand_range_step

deny contains "expanded" if {
	count(numbers.range_step(0, 100000000, 2)) > 0
}
