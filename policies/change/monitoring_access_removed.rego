# METADATA
# title: Monitoring or backup loses access
# description: >-
#   The change takes away access that a monitoring or backup principal (the
#   monitoringPrincipals parameter) had: a destination and port that an ACL or
#   grant of the old policy let it reach, and that the changed policy does not.
#   Monitoring that cannot scrape and backups that cannot connect fail
#   quietly, and the gap shows only when the data is needed.
# custom:
#   id: TA-CHG-009
#   severity: high
#   remediation: >-
#     Keep the access the monitoring or backup principal needs, or confirm in
#     the review that it moved elsewhere.
#   params:
#     monitoringPrincipals: {type: array, items: {type: string}}
package tailaudit.change.monitoring_access_removed

import data.tailaudit.lib.alias
import data.tailaudit.lib.change
import data.tailaudit.lib.params

parameters := params.merged({"monitoringPrincipals": ["tag:monitoring", "tag:backup"]})

# had holds [principal, dst, port, path] for the first port of every
# destination an ACL or grant of the old policy gives a monitoring principal.
had contains [src, alias.dst_alias(dst), port, ["acls", i]] if {
	some i, entry in change.section(change.before, "acls")
	some src in change.list(entry.src)
	src in parameters.monitoringPrincipals
	some dst in change.list(entry.dst)
	port := change.first_port(alias.dst_ports(dst))
}

had contains [src, dst, port, ["grants", i]] if {
	some i, entry in change.section(change.before, "grants")
	some src in change.list(entry.src)
	src in parameters.monitoringPrincipals
	some dst in change.list(entry.dst)
	some ip in change.list(object.get(entry, "ip", []))
	port := change.first_port(ip)
}

deny contains result if {
	some [src, dst, port, at] in had
	change.reachable_before(src, dst, port)
	not change.reachable_after(src, dst, port)
	result := {
		"msg": sprintf("%s can no longer reach %s on port %d, which %s allowed before", [src, dst, port, change.label(array.concat(["change", "before"], at))]),
		"path": where,
		"evidence": {"src": src, "dst": dst, "port": port},
	}
}

where := ["change", "after", "acls"] if "acls" in object.keys(change.after)

where := ["change", "after"] if not "acls" in object.keys(change.after)
