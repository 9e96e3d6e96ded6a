# METADATA
# title: Monitoring or backup loses access
# description: >-
#   The change takes away network access that a monitoring or backup principal
#   (the monitoringPrincipals parameter) had: a destination, protocol and
#   ports that the old policy let it reach and the changed one does not, as
#   the access diff (input.change.access) computes it with Tailscale's
#   semantics. Monitoring that cannot scrape and backups that cannot connect
#   fail quietly, and the gap shows only when the data is needed.
# custom:
#   id: TA-CHG-009
#   severity: high
#   remediation: >-
#     Keep the access the monitoring or backup principal needs, or confirm in
#     the review that it moved elsewhere.
#   params:
#     monitoringPrincipals: {type: array, items: {type: string}}
package tailaudit.change.monitoring_access_removed

import data.tailaudit.lib.change
import data.tailaudit.lib.params

parameters := params.merged({"monitoringPrincipals": ["tag:monitoring", "tag:backup"]})

deny contains result if {
	some lost in change.removed
	change.principal(lost.src) in parameters.monitoringPrincipals
	lost.proto in {"tcp", "udp"}
	result := {
		"msg": sprintf("%s can no longer reach %s on %s %s, which %s allowed before", [lost.src, lost.dst, lost.proto, concat(",", lost.ports), concat(", ", [was(r) | some r in lost.rules])]),
		"path": where,
		"evidence": {"src": lost.src, "dst": lost.dst, "proto": lost.proto, "ports": lost.ports, "rules": lost.rules},
	}
}

# was names a rule of the old policy as file:line.
was(rule) := sprintf("%s:%d", [rule.file, rule.line])

# where is the changed policy's acls, or the policy when it has none.
where := ["change", "after", "acls"] if "acls" in object.keys(change.after)

where := ["change", "after"] if not "acls" in object.keys(change.after)
