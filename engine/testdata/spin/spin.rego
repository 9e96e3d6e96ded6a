# METADATA
# title: Never finishes
# custom:
#   id: T-SPIN-001
#   severity: low
package tailaudit.policy.spin

# 2.5 billion pairs, none of which matches: the loop runs until its budget is spent.
deny contains "a product is negative" if {
	some i in numbers.range(1, 50000)
	some j in numbers.range(1, 50000)
	i * j < 0
}
