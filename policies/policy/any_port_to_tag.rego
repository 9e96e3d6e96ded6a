# METADATA
# title: Every port open on a tagged device
# description: >-
#   An ACL destination like tag:x:* or a grant with "ip": ["*"] opens every port
#   of a tagged device, including admin and database ports nobody meant to
#   expose. Results are high for tags in sensitiveTags (default tag:prod,
#   tag:production, tag:db, tag:database, tag:pci, tag:phi, tag:secrets) and
#   medium otherwise. ICMP-only ACLs are not reported.
# custom:
#   id: TA-ACL-005
#   severity: medium
#   remediation: >-
#     List the ports the service uses (for example tag:db:5432, or "ip":
#     ["tcp:5432"]) instead of "*".
package tailaudit.policy.any_port_to_tag

import data.tailaudit.lib.alias
import data.tailaudit.lib.params
import data.tailaudit.lib.refs

deny contains result if {
	some i, rule in input.policy.acls
	rule.action == "accept"
	not alias.icmp_only(rule)
	some j, dst in rule.dst
	parts := alias.split_dst(dst)
	alias.is_tag(parts.alias)
	alias.any_ports(parts.ports)
	result := {
		"msg": sprintf("acls[%d] lets %s reach %s on every port", [i, refs.names(rule.src), parts.alias]),
		"path": ["policy", "acls", i, "dst", j],
		"evidence": {"src": rule.src, "dst": dst, "tag": parts.alias},
		"severity": params.tag_severity(parts.alias),
	}
}

deny contains result if {
	some i, grant in input.policy.grants
	ips := [ip | some ip in grant.ip; alias.any_ip(ip)]
	count(ips) > 0
	some j, tag in grant.dst
	alias.is_tag(tag)
	result := {
		"msg": sprintf("grants[%d] lets %s reach %s on every port", [i, refs.names(grant.src), tag]),
		"path": ["policy", "grants", i, "dst", j],
		"evidence": {"src": grant.src, "dst": tag, "ip": grant.ip},
		"severity": params.tag_severity(tag),
	}
}
