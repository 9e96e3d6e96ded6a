# METADATA
# title: Expands a range computed from the input
# custom:
#   id: T-EXP-DYNAMIC
#   severity: low
package tailaudit.policy.expand_dynamic

deny contains "expanded" if {
	count(numbers.range(0, count(input.policy) + 1000000000)) > 0
}
