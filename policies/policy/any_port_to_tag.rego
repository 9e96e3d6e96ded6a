# METADATA
# title: Every port open on a tagged device
# description: >-
#   Someone can reach every port of a tagged device, including admin and database
#   ports nobody meant to expose. This judges effective access, not syntax: for
#   every group with members, every tag and a typical member (autogroup:member) it
#   asks Tailscale's semantics whether a connection to each tag is allowed on
#   ports 1, 1024 and 65535, through any mix of ACLs, grants, groups, hosts and
#   wildcards. Sources opened by the same rule are reported together, at that
#   rule. Results are high for tags in sensitiveTags (default tag:prod,
#   tag:production, tag:db, tag:database, tag:pci, tag:phi, tag:secrets) and
#   medium otherwise.
# custom:
#   id: TA-ACL-005
#   severity: medium
#   remediation: >-
#     List the ports the service uses (for example tag:db:5432, or "ip":
#     ["tcp:5432"]) instead of "*".
#   params:
#     sensitiveTags: {type: array, items: {type: string}}
package tailaudit.policy.any_port_to_tag

import data.tailaudit.lib.params
import data.tailaudit.lib.refs
import data.tailaudit.lib.tag_access

# parameters are this rule's thresholds: input.params over the defaults.
parameters := params.merged({"sensitiveTags": params.shared.sensitiveTags})

# A connection allowed on the lowest, a middle and the highest port is taken to
# mean every port: rules that open exactly these three and nothing between do
# not occur in practice.
probe_ports := [1, 1024, 65535]

sources contains group if {
	some group, members in input.policy.groups
	count(members) > 0
}

sources contains tag if some tag, _ in input.policy.tagOwners

sources contains "autogroup:member"

# reached maps each tag to the sources that reach it on every probe port, each
# with the rules that allow it on the last one (tailscale.reach_every answers
# for all sources and tags at once; see policies/README.md).
reached := tailscale.reach_every(input.policy, sources, object.keys(input.policy.tagOwners), probe_ports)

# deny groups a tag's sources (other than the tag itself) by the first rule that
# allows them.
deny contains result if {
	some tag, by_source in reached
	some path in {because[0] | some src, because in by_source; src != tag}
	srcs := sort([src | some src, because in by_source; src != tag; because[0] == path])
	result := {
		"msg": sprintf("%s can reach %s on every port through %s", [concat(", ", srcs), tag, refs.label(path)]),
		"path": path,
		"evidence": {"sources": srcs, "tag": tag, "probedPorts": probe_ports},
		"severity": tag_access.severity(parameters.sensitiveTags, tag),
	}
}
