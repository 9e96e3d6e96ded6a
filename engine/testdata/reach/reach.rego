# METADATA
# title: Finance must not reach the database
# custom:
#   id: T-REACH-001
#   severity: high
package tailaudit.policy.reach

deny contains result if {
	reach := tailscale.reach(input, "group:finance", "db-1", 5432)
	reach.allowed
	result := {"msg": "group:finance reaches db-1:5432", "path": reach.because[0]}
}

warn contains sprintf("tag:db resolves to %v", [tailscale.resolve(input, "tag:db").nodes])
