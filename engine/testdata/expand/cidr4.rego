# METADATA
# title: Expands cidr4
# custom:
#   id: T-EXP-CIDR4
#   severity: low
package tailaudit.policy.expand_cidr4

deny contains "expanded" if {
	count(net.cidr_expand("10.0.0.0/8")) > 0
}
