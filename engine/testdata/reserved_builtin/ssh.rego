# METADATA
# title: Adds to a built-in rule
# custom:
#   id: T-RES-001
#   severity: high
package tailaudit.policy.ssh_root_accept

deny contains "extra" if {
	false
}
