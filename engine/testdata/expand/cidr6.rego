# METADATA
# title: Expands cidr6
# custom:
#   id: T-EXP-CIDR6
#   severity: low
package tailaudit.policy.expand_cidr6

deny contains "expanded" if {
	count(net.cidr_expand("::/0")) > 0
}
