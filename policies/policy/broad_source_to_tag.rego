# METADATA
# title: Every member can reach a tagged device
# description: >-
#   A typical member of the tailnet (autogroup:member: any user, without being in
#   a particular group) can reach a tagged device. Tagged devices are usually
#   servers, so this exposes them to everyone who can log in. This judges
#   effective access, not syntax: it asks Tailscale's semantics whether a member
#   may connect on common service ports (22, 80, 443, 3306, 3389, 5432, 6379,
#   8080) or on every port, through any mix of ACLs, grants, wildcards and
#   autogroups. Results are high for tags in sensitiveTags (default tag:prod,
#   tag:production, tag:db, tag:database, tag:pci, tag:phi, tag:secrets) and
#   medium otherwise.
# custom:
#   id: TA-ACL-004
#   severity: medium
#   remediation: >-
#     Replace the broad source ("*", autogroup:member) with the groups or tags
#     that need the service, and limit the rule to the ports it uses.
#   params:
#     sensitiveTags: {type: array, items: {type: string}}
package tailaudit.policy.broad_source_to_tag

import data.tailaudit.lib.params
import data.tailaudit.lib.refs
import data.tailaudit.lib.tag_access

# parameters are this rule's thresholds: input.params over the defaults.
parameters := params.merged({"sensitiveTags": params.shared.sensitiveTags})

service_ports := [22, 80, 443, 3306, 3389, 5432, 6379, 8080]

# member_reach maps each service port to the tags autogroup:member reaches on
# it, each with the rules that allow it (tailscale.reach_every answers for all
# tags at once; see policies/README.md).
member_reach := {port: tailscale.reach_every(input.policy, {"autogroup:member"}, object.keys(input.policy.tagOwners), [port]) |
	some port in service_ports
}

deny contains result if {
	some tag, _ in input.policy.tagOwners
	open := [port | some port in service_ports; member_reach[port][tag]["autogroup:member"]]
	count(open) > 0
	because := member_reach[open[0]][tag]["autogroup:member"]
	result := {
		"msg": sprintf("every member can reach %s on port %s through %s", [tag, concat(", ", [sprintf("%d", [p]) | some p in open]), refs.label(because[0])]),
		"path": because[0],
		"evidence": {"tag": tag, "ports": open, "rules": because},
		"severity": tag_access.severity(parameters.sensitiveTags, tag),
	}
}
